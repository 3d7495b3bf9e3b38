"""A flattened dump (makedumpfile -F, as a network target receives it) turned back
into a normal one with `makedumpfile -R`.

The hook streams the dump in makedumpfile's flattened format, which needs no
seeking: a server without makedumpfile keeps it as vmcore.flat. This does on
any host what the hook does on a server that has makedumpfile: vmcore written as
vmcore-incomplete, renamed when makedumpfile -R succeeded.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from kdumplayer.errors import UserError

FLAT_SIGNATURE = b"makedumpfile\0"  # the flattened format's header starts with it
FLAT_NAME = "vmcore.flat"


def sources(path: Path, out: Path | None) -> tuple[Path, Path]:
    """(flattened file, output) for a dump directory or a flattened file."""
    if path.is_dir():
        flat = path / FLAT_NAME
        if not flat.is_file():
            if (path / f"{FLAT_NAME}-incomplete").exists():
                raise UserError(
                    f"{path}: only {FLAT_NAME}-incomplete: the transfer did not "
                    "finish, there is no whole dump to reassemble"
                )
            raise UserError(f"{path} holds no {FLAT_NAME}")
        return flat, out or path / "vmcore"
    if not path.is_file():
        raise UserError(f"{path}: no such file or directory")
    return path, out or path.with_name("vmcore")


def reassemble(path: Path, out: Path | None = None) -> Path:
    """Write the normal dump of the flattened `path`; returns where it went."""
    flat, target = sources(path, out)
    with flat.open("rb") as handle:
        if not handle.read(len(FLAT_SIGNATURE)) == FLAT_SIGNATURE:
            raise UserError(
                f"{flat} is not in makedumpfile's flattened format (made by makedumpfile -F)"
            )
    if target.exists():
        raise UserError(f"{target} exists already; name another output")
    tool = shutil.which("makedumpfile") or next(
        (p for p in ("/usr/sbin/makedumpfile", "/sbin/makedumpfile") if os.access(p, os.X_OK)), None
    )
    if tool is None:
        raise UserError("makedumpfile is not installed (Debian: apt-get install makedumpfile)")
    partial = target.with_name(target.name + "-incomplete")
    partial.unlink(missing_ok=True)
    with flat.open("rb") as stdin:
        done = subprocess.run(
            [tool, "-R", str(partial)], stdin=stdin, capture_output=True, text=True, check=False
        )
    if done.returncode != 0:
        partial.unlink(missing_ok=True)
        raise UserError(
            f"makedumpfile -R {flat} failed (exit {done.returncode}): "
            f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}"
        )
    os.replace(partial, target)
    return target
