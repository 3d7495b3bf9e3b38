"""Reading the dumps back from a disk image on the host (debugfs, no mounting)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kdumplayer.verify import disk

KDUMP_SIGNATURE = b"KDUMP   "
ELF_SIGNATURE = b"\x7fELF"
CRASH_MESSAGE = "sysrq triggered crash"


@dataclass(frozen=True)
class Dump:
    name: str
    files: dict[str, int]  # name -> size
    summary: dict[str, str]
    dmesg: str
    vmcore_head: bytes  # the first bytes of vmcore (or vmcore-incomplete)
    seq: int | None = None  # the hook's capture sequence number (its seq file)

    @property
    def status(self) -> str:
        return self.summary.get("status", "")

    @property
    def complete(self) -> bool:
        return "vmcore" in self.files and not any(n.endswith("-incomplete") for n in self.files)

    @property
    def vmcore_format(self) -> str:
        if self.vmcore_head.startswith(KDUMP_SIGNATURE):
            return "kdump-compressed"
        if self.vmcore_head.startswith(ELF_SIGNATURE):
            return "ELF"
        return "unknown"


def parse_summary(text: str) -> dict[str, str]:
    fields = {}
    for line in text.splitlines():
        key, sep, value = line.partition(": ")
        if sep:
            fields[key.strip()] = value.strip()
    return fields


def _is_dump_name(name: str) -> bool:
    stamp = name.split("-")
    return (
        len(stamp) >= 2
        and len(stamp[0]) == 8
        and len(stamp[1]) == 6
        and (stamp[0] + stamp[1]).isdigit()
    )


def read_dumps(image: Path, directory: str, scratch: Path) -> list[Dump] | None:
    """Every dump in `directory` of `image`, oldest first; None if the directory is absent."""
    entries = disk.list_dir(image, directory)
    if entries is None:
        return None
    dumps = []
    for entry in entries:
        if not entry.is_dir or not _is_dump_name(entry.name):
            continue
        base = f"{directory.rstrip('/')}/{entry.name}"
        files = {f.name: f.size for f in disk.list_dir(image, base) or []}

        def text(name: str, base: str = base, files: dict[str, int] = files) -> str:
            if name not in files:
                return ""
            return disk.read_file(image, f"{base}/{name}").decode("utf-8", "replace")

        core = "vmcore" if "vmcore" in files else "vmcore-incomplete"
        head = b""
        if core in files:
            head = disk.read_head(image, f"{base}/{core}", 64, scratch)
        seq = text("seq").strip()
        dumps.append(
            Dump(
                name=entry.name,
                files=files,
                summary=parse_summary(text("summary.txt")),
                dmesg=text("vmcore-dmesg.txt"),
                vmcore_head=head,
                seq=int(seq) if seq.isdigit() else None,
            )
        )
    return dumps


def read_text(image: Path, path: str) -> str | None:
    try:
        return disk.read_file(image, path).decode("utf-8", "replace")
    except FileNotFoundError:
        return None
