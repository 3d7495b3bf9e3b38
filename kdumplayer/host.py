"""Running a host tool: its output, or one UserError that says which command failed and why."""

from __future__ import annotations

import subprocess
from pathlib import Path

from kdumplayer.errors import UserError


def run(argv: list[str], cwd: Path | None = None) -> str:
    """The command's stdout; a missing tool or a failure is a UserError with the whole
    message (a cut one hid which index or package failed)."""
    try:
        done = subprocess.run(argv, cwd=cwd, check=True, capture_output=True, text=True)
    except FileNotFoundError:
        raise UserError(f"{argv[0]} is not installed (run `make deps`)") from None
    except subprocess.CalledProcessError as exc:
        raise UserError(
            f"`{' '.join(argv)}` failed (exit {exc.returncode}):\n"
            f"{(exc.stderr or exc.stdout).strip()}"
        ) from None
    return done.stdout
