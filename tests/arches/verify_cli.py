"""`kdumplayer verify ... --format json` in-process, for the arches' QEMU proofs:
the outcomes parsed, and whenever they cannot be (verify stopped on an error),
an assertion that shows the command's stderr whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.conftest import CliResult, run_cli


def verify(board: Path, workdir: Path, *args: str) -> tuple[CliResult, list[dict[str, Any]]]:
    result = run_cli("verify", board, "--format", "json", "--workdir", workdir, *args)
    try:
        outcomes = json.loads(result.out)
    except json.JSONDecodeError:
        raise AssertionError(
            f"verify exited {result.code} without a JSON outcome; "
            f"stderr:\n{result.err}\nstdout:\n{result.out}"
        ) from None
    return result, outcomes


def explain(result: CliResult, outcomes: list[dict[str, Any]], workdir: Path) -> str:
    failed = [
        f"FAILED {c['name']}\n{c['detail']}" for o in outcomes for c in o["checks"] if not c["ok"]
    ]
    return f"exit {result.code}, in {workdir}:\n" + "\n".join(failed) + f"\nstderr:\n{result.err}"


def console(workdir: Path, scenario: str = "capture") -> str:
    return "\n".join(
        p.read_text(errors="replace") for p in sorted((workdir / scenario).glob("console-*.log"))
    )
