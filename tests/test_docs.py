"""The README and docs/ say what the code does: the generated board key table
matches the schema, the schema's defaults are what the loader resolves, the
board table lists every example board as it is, every `console` example is
today's output, the exit codes are the CLI's, and every link resolves."""

from __future__ import annotations

import copy
import json
import re
import shlex
import tempfile
from pathlib import Path

import jsonschema
import pytest

from kdumplayer import cli, docs_gen
from kdumplayer.arch import get_arch, supported
from kdumplayer.paths import SCHEMA_FILE
from tests.conftest import BOARDS, REPO, run_cli

README = REPO / "README.md"
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [README, *DOCS]
# Pages other branches of issue 17 add; the index links them already. Empty this
# set once they are merged (the link test then covers them like any other page).
PENDING: set[str] = set()


def _schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text())


# --- the board key table ----------------------------------------------------------------------


def test_board_keys_table_is_generated_from_the_schema() -> None:
    doc = docs_gen.DOC_FILE.read_text()
    assert docs_gen.render(doc, _schema()) == doc, "docs/board-keys.md is stale: run `make docs`"
    assert docs_gen.main(["--check"]) == 0


def test_a_schema_change_makes_the_table_stale() -> None:
    doc = docs_gen.DOC_FILE.read_text()
    changed = copy.deepcopy(_schema())
    changed["properties"]["dump"]["properties"]["level"]["description"] = "changed"
    assert docs_gen.render(doc, changed) != doc
    del changed["properties"]["dump"]["properties"]["keep"]
    assert "`dump.keep`" not in docs_gen.render(doc, changed)


def test_check_fails_on_a_stale_page_and_make_docs_repairs_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    page = tmp_path / "board-keys.md"
    good = docs_gen.DOC_FILE.read_text()
    page.write_text(good.replace("| `dump.level` |", "| `dump.lvl` |"))
    monkeypatch.setattr(docs_gen, "DOC_FILE", page)
    assert docs_gen.main(["--check"]) == 1
    assert "-| `dump.lvl` |" in capsys.readouterr().out
    assert docs_gen.main([]) == 0
    assert page.read_text() == good


def test_every_schema_key_has_a_row_and_a_meaning() -> None:
    doc = docs_gen.DOC_FILE.read_text()
    keys = list(docs_gen.keys(_schema()))
    assert len(keys) >= 40
    for key in keys:
        assert f"| `{key.path}` |" in doc
        assert key.description, f"{key.path} has no description in the schema"


def test_schema_is_valid_and_its_defaults_fit_their_keys() -> None:
    schema = _schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    for path, default in _defaults(schema):
        node = schema
        for part in path.split("."):
            node = node["properties"][part]
        jsonschema.validate(default, node)


def _at(data: dict, path: str) -> object:
    for part in path.split("."):
        data = data[part]
    return data


def test_schema_defaults_are_what_the_loader_resolves(tmp_path: Path) -> None:
    # A board that sets only what is required: every other key takes its default.
    board = tmp_path / "minimal.yaml"
    board.write_text(
        "name: minimal\narch: arm64\nmemory: 1G\nkernel: {version: '6.12'}\n"
        "crashkernel: {size: 256M}\nbootloader: {type: extlinux}\ninit: busybox\n"
    )
    result = run_cli("validate", "--format", "json", board)
    assert result.code == 0, result.err
    resolved = json.loads(result.out)
    defaults = {k: v for k, v in _defaults(_schema())}
    assert len(defaults) >= 15
    for path, default in defaults.items():
        assert _at(resolved, path) == default, path


def _defaults(schema: dict, prefix: str = ""):  # type: ignore[no-untyped-def]
    for name, node in schema.get("properties", {}).items():
        if "properties" in node:
            yield from _defaults(node, f"{prefix}{name}.")
        elif "default" in node:
            yield f"{prefix}{name}", node["default"]


# --- the README's board table -----------------------------------------------------------------


def _readme_boards() -> dict[str, list[str]]:
    text = README.read_text()
    section = text[text.index("## Example boards") :]
    section = section[: section.index("\n## ")]
    rows = [r for r in section.splitlines() if r.startswith("| `")]
    return {
        cells[0]: cells[1:6]
        for cells in ([c.strip().strip("`") for c in r.strip("|").split("|")] for r in rows)
    }


def test_readme_board_table_lists_every_example_board_as_it_is() -> None:
    table = _readme_boards()
    assert sorted(table) == sorted(p.stem for p in BOARDS)
    for path in BOARDS:
        board = json.loads(run_cli("validate", "--format", "json", path).out)
        assert table[path.stem] == [
            board["arch"],
            board["kernel"]["version"],
            board["bootloader"]["type"],
            board["init"],
            board["crashkernel"],
        ], path.stem


# --- examples -------------------------------------------------------------------------------


def _console_examples() -> list[tuple[str, str, str]]:
    """(page, command line, expected output) for every `$ kdumplayer` line in a
    ```console block. Other blocks (sh, yaml, text) are not run: they write
    files, boot QEMU or need a Buildroot checkout."""
    found = []
    for page in PAGES:
        for block in re.findall(r"```console\n(.*?)```", page.read_text(), re.S):
            for part in re.split(r"^\$ ", block, flags=re.M)[1:]:
                command, _, output = part.partition("\n")
                found.append((page.relative_to(REPO).as_posix(), command, output))
    return found


EXAMPLES = _console_examples()


def test_there_are_examples_to_run() -> None:
    assert len(EXAMPLES) >= 5
    assert any("crashkernel check 128M@32M" in e[1] for e in EXAMPLES)


@pytest.mark.parametrize(
    ("page", "command", "output"), EXAMPLES, ids=[f"{e[0]}: {e[1][:60]}" for e in EXAMPLES]
)
def test_console_example_is_todays_output(
    page: str, command: str, output: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(REPO)  # examples use paths relative to the checkout
    words = shlex.split(command)
    assert words[0] == "kdumplayer", command
    result = run_cli(*words[1:])
    assert result.out + result.err == output


# --- exit codes, links, size ------------------------------------------------------------------


def test_readme_exit_codes_are_the_clis() -> None:
    text = README.read_text()
    section = text[text.index("## Exit status") :]
    section = section[: section.index("\n## ")]
    codes = [int(m) for m in re.findall(r"^\| (\d+) \|", section, re.M)]
    assert codes == [
        cli.EXIT_OK,
        cli.EXIT_FAIL,
        cli.EXIT_USAGE,
        cli.EXIT_INTERNAL,
        cli.EXIT_INTERRUPTED,
    ]


LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(REPO).as_posix() for p in PAGES])
def test_links_resolve(page: Path) -> None:
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue
        path = (page.parent / target).resolve()
        if path.name in PENDING and path.parent == REPO / "docs":
            continue
        assert path.exists(), f"{page.name}: broken link {target}"


def test_index_links_every_page() -> None:
    index = (REPO / "docs" / "README.md").read_text()
    linked = set(LINK.findall(index))
    assert {p.name for p in DOCS if p.name != "README.md"} | PENDING <= linked


def test_readme_is_short() -> None:
    assert len(README.read_text().splitlines()) < 250


def test_architectures_table_is_arches_yaml() -> None:
    text = (REPO / "docs" / "architectures.md").read_text().split("\n## ")[0]
    rows = {
        cells[0]: cells[1:4]
        for cells in (
            [c.strip() for c in r.strip("|").split("|")]
            for r in text.splitlines()
            if re.match(r"^\| (x86_64|i386|arm64|arm|riscv64) \|", r)
        )
    }
    for name, (images, align, append) in rows.items():
        arch = get_arch(name)
        assert images == ", ".join(arch.images), name
        assert align.startswith(f"{arch.offset_align >> 20}M"), name
        assert append == f"`{arch.capture_append}`", name
    assert set(rows) == set(supported())


def test_library_examples_run(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The ```python blocks of docs/library-api.md, in order, in one namespace:
    # the page's promise that they work as written.
    monkeypatch.chdir(REPO)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the examples' scratch files
    text = (REPO / "docs" / "library-api.md").read_text()
    blocks = list(re.finditer(r"```python\n(.*?)```", text, re.S))
    assert len(blocks) >= 5
    namespace: dict[str, object] = {}
    for block in blocks:
        # Pad with the lines above the block, so a failure names the page's line.
        padding = "\n" * text.count("\n", 0, block.start(1))
        exec(compile(padding + block.group(1), "docs/library-api.md", "exec"), namespace)


def test_hook_page_lists_every_kdump_conf_key() -> None:
    template = (REPO / "recipes" / "runtime" / "kdump.conf").read_text()
    keys = set(re.findall(r"^([a-z_]+)=", template, re.M))
    page = (REPO / "docs" / "hook.md").read_text()
    section = page[page.index("## /etc/kdump.conf") :]
    listed = set(re.findall(r"`([a-z_]+)`", section.split("\n## ")[0]))
    assert keys <= listed, sorted(keys - listed)


def test_hook_page_lists_every_hook_command() -> None:
    script = (REPO / "recipes" / "runtime" / "kdump").read_text()
    dispatch = script[script.index("main() {") :]
    commands = set(re.findall(r"^\t([a-z]+)\)", dispatch, re.M))
    assert commands >= {"start", "load", "save", "status"}
    page = (REPO / "docs" / "hook.md").read_text()
    listed = set(re.findall(r"^\| `kdump ([a-z]+)", page, re.M))
    assert listed == commands


def test_readme_command_table_is_the_registry() -> None:
    text = README.read_text()
    section = text[text.index("## Commands") :]
    section = section[: section.index("\n## ")]
    listed = re.findall(r"^\| `([a-z]+)", section, re.M)
    assert listed == [command.name for command in cli.REGISTRY]
