"""Exit codes: 0 ok, 1 a check failed, 2 bad input, 3 internal error, 130 interrupted.

A CI job must tell a failing config (1) from a crash of the tool (3). Bugs and
Ctrl-C cannot be produced on demand, so those two rows make a command's run()
raise; every other row is a real command on real input.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from kdumplayer import cli
from kdumplayer.cli import validate
from tests.conftest import DEFAULT_BOARD, run_cli

# (id, argv, exit code)
REAL = [
    ("ok", ("validate", "--quiet", DEFAULT_BOARD), 0),
    (
        "check failed",
        (
            "crashkernel",
            "check",
            "128M@32M",
            "--memory",
            "1G",
            "--arch",
            "x86_64",
            "--physical-start",
            "16M",
        ),
        1,
    ),
    ("bad input: missing file", ("validate", "no/such/board.yaml"), 2),
    (
        "bad input: unparsable value",
        ("crashkernel", "check", "12x8", "--memory", "1G", "--arch", "x86_64"),
        2,
    ),
    ("usage: unknown option", ("validate", "--no-such-option", DEFAULT_BOARD), 2),
    ("usage: no command", (), 2),
]


@pytest.mark.parametrize(("case", "argv", "code"), REAL, ids=[r[0] for r in REAL])
def test_real_commands(case: str, argv: tuple[str | Path, ...], code: int) -> None:
    result = run_cli(*argv)
    assert result.code == code, result.err
    assert "Traceback" not in result.err


def test_constants_are_the_documented_codes() -> None:
    assert (
        cli.EXIT_OK,
        cli.EXIT_FAIL,
        cli.EXIT_USAGE,
        cli.EXIT_INTERNAL,
        cli.EXIT_INTERRUPTED,
    ) == (0, 1, 2, 3, 130)


def _raise(exc: BaseException):  # type: ignore[no-untyped-def]
    def run(self: object, args: object) -> int:
        raise exc

    return run


def test_internal_error_exits_3_with_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate.ValidateCommand, "run", _raise(KeyError("board")))
    result = run_cli("validate", DEFAULT_BOARD)
    assert result.code == 3
    assert result.err == (
        "kdumplayer: internal error: KeyError: 'board' (run with --debug "
        "for the traceback, and please report it)\n"
    )


def test_internal_error_with_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate.ValidateCommand, "run", _raise(KeyError("board")))
    result = run_cli("validate", "--debug", DEFAULT_BOARD)
    assert result.code == 3
    assert result.err.startswith("Traceback")
    assert result.err.rstrip().endswith("KeyError: 'board'")


def test_interrupted_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(validate.ValidateCommand, "run", _raise(KeyboardInterrupt()))
    result = run_cli("validate", DEFAULT_BOARD)
    assert (result.code, result.err) == (130, "kdumplayer: interrupted\n")


def test_help_states_the_codes(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert (
        "exit status: 0 ok, 1 a check found a problem, 2 bad input or usage, "
        "3 internal error (please report it), 130 interrupted."
    ) in text
