"""VMCOREINFO: the KEY=VALUE note the crashed kernel leaves in every vmcore
(kernel/vmcore_info.c), readable without debug info."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VmcoreInfo:
    fields: dict[str, str]

    @classmethod
    def parse(cls, text: str) -> VmcoreInfo:
        fields = {}
        for line in text.splitlines():
            key, sep, value = line.partition("=")
            if sep and key not in fields:
                fields[key] = value
        return cls(fields)

    @property
    def release(self) -> str | None:
        return self.fields.get("OSRELEASE")

    @property
    def build_id(self) -> str | None:
        """The kernel's GNU build id (hex), recorded from Linux 5.9 on."""
        value = self.fields.get("BUILD-ID")
        return value.lower() if value else None

    @property
    def page_size(self) -> int | None:
        value = self.fields.get("PAGESIZE")
        return int(value) if value and value.isdigit() else None

    @property
    def crash_time(self) -> int | None:
        """Seconds since the epoch when the kernel crashed (CRASHTIME, appended by
        crash_save_vmcoreinfo())."""
        value = self.fields.get("CRASHTIME")
        return int(value) if value and value.lstrip("-").isdigit() else None

    @property
    def kernel_offset(self) -> str | None:
        return self.fields.get("KERNELOFFSET")
