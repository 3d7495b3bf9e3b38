"""The compiler-probe prefetch (kdumplayer.kconfig.prefetch): a parse that takes its
`$(shell,...)` results from the prefetch gets exactly what running them itself gives."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kdumplayer.kconfig import KconfigTree, prefetch

KCONFIG = """\
mainmenu "probes"

config PROBE_Y
	def_bool $(shell,echo y)

config PROBE_LINES
	string
	default "$(shell,printf 'one\\ntwo\\n')"

config PROBE_ENV
	string
	default "$(shell,echo $SRCARCH)"

config PROBE_STDERR
	def_bool $(shell,echo n; echo complaint >&2)
"""
COMMANDS = ["echo y", "printf 'one\\ntwo\\n'", "echo $SRCARCH", "echo n; echo complaint >&2"]


def values(tree: KconfigTree) -> dict[str, str]:
    return {sym.name: sym.str_value for sym in tree.kconfig.unique_defined_syms}


@pytest.fixture
def probe_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "linux"
    root.mkdir()
    (root / "Makefile").write_text("VERSION = 6\nPATCHLEVEL = 12\nSUBLEVEL = 0\n")
    (root / "Kconfig").write_text(KCONFIG)
    monkeypatch.setenv("KDUMPLAYER_CACHE", str(tmp_path / "cache"))
    return root


def test_parse_records_its_probes(probe_tree: Path, tmp_path: Path) -> None:
    KconfigTree.load(probe_tree, "x86_64")
    records = list((tmp_path / "cache" / "parsed").glob("probes-*.json"))
    assert len(records) == 1
    assert json.loads(records[0].read_text()) == COMMANDS


def test_prefetched_parse_for_another_arch_matches_a_plain_one(
    probe_tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    KconfigTree.load(probe_tree, "x86_64")  # records the commands
    ran: list[str] = []

    def run(command: str) -> tuple[bytes, bytes]:
        ran.append(command)
        return original(command)

    original = prefetch._run
    monkeypatch.setattr(prefetch, "_run", run)
    served = KconfigTree.load(probe_tree, "arm64")  # not cached for arm64: parsed, prefetched
    assert sorted(ran) == sorted(COMMANDS)
    monkeypatch.setattr(prefetch, "_run", original)
    plain = KconfigTree.load(probe_tree, "arm64", cache=False)
    assert values(served) == values(plain)
    # The probes ran with the parse's own environment, not the recording parse's.
    assert values(served)["PROBE_ENV"] == "arm64"
    assert values(served)["PROBE_LINES"] == "one two"
    assert values(served)["PROBE_Y"] == "y"
    assert values(served)["PROBE_STDERR"] == "n"
