"""`check BOARD` as a newcomer sees it: each path once, a status line on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys

from tests.conftest import DEFAULT_BOARD, REPO, run_cli


def test_fragment_path_printed_once() -> None:
    result = run_cli("check", DEFAULT_BOARD)
    assert result.code == 0, result.out + result.err
    assert result.err == ""  # off a terminal: no status line, no bar
    (fragments_line,) = [ln for ln in result.out.splitlines() if "fragments: " in ln]
    path = fragments_line.rsplit("fragments: ", 1)[1]
    assert path.endswith(".cfg")
    assert result.out.count(path) == 1
    assert (
        "the last fragment is the kdump fragment kdumplayer generates for qemu-x86_64" in result.out
    )


def test_status_line_on_a_terminal() -> None:
    # stderr on a real pseudo-terminal: the status line shows while the check
    # runs and is erased at the end, so the report alone stays on screen.
    master, slave = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    with subprocess.Popen(
        [sys.executable, "-m", "kdumplayer", "check", str(DEFAULT_BOARD)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=slave,
    ) as proc:
        os.close(slave)
        seen = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            seen += chunk
        out = proc.stdout.read() if proc.stdout else b""
    os.close(master)
    assert proc.returncode == 0, out
    text = seen.decode()
    assert text.startswith("kdump check: qemu-x86_64: evaluating the kernel's Kconfig")
    assert text.endswith("\r\x1b[K")
    assert b"PASS qemu-x86_64" in out
