"""Bad input -> one UserError naming file and line (the CLI prints it as one line, exit 2)."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import pytest

from kdumplayer.errors import UserError
from kdumplayer.kconfig import Base, KconfigTree
from kdumplayer.kconfig.configfile import read_config
from kdumplayer.kconfig.source import extract_tarball
from kdumplayer.requirements import load_requirements
from tests.kconfig.conftest import DATA

MODULES_TREE = DATA / "compat" / "modules"


@pytest.fixture(autouse=True)
def private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("KDUMPLAYER_CACHE", str(cache))
    return cache


def one_line(err: UserError) -> str:
    text = str(err)
    assert "\n" not in text
    return text


# (what, tree, arch, file the error names (suffix), line or None, words in the message)
TREES = [
    (
        "not a kernel tree",
        "bad-trees/not-a-tree",
        "x86_64",
        "not-a-tree/Makefile",
        None,
        "not a kernel tree",
    ),
    (
        "no VERSION in Makefile",
        "bad-trees/no-version",
        "x86_64",
        "no-version/Makefile",
        1,
        "VERSION",
    ),
    (
        "Kconfig parse error",
        "bad-trees/parse-error",
        "x86_64",
        "parse-error/Kconfig",
        8,
        "depends on (GOOD",
    ),
    ("missing path", "bad-trees/does-not-exist", "x86_64", "does-not-exist", None, "no such file"),
]


@pytest.mark.parametrize(("what", "tree", "arch", "file", "line", "words"), TREES)
def test_bad_tree(what: str, tree: str, arch: str, file: str, line: int | None, words: str) -> None:
    with pytest.raises(UserError) as err:
        KconfigTree.load(DATA / tree, arch, cache=False)
    assert err.value.file is not None and err.value.file.endswith(file), what
    assert err.value.line == line
    assert words in one_line(err.value)


def test_unknown_arch() -> None:
    with pytest.raises(UserError) as err:
        KconfigTree.load(MODULES_TREE, "sparc64", cache=False)
    assert "unsupported arch 'sparc64'" in one_line(err.value)
    assert "x86_64" in str(err.value)


def _tarball(path: Path, files: dict[str, str]) -> Path:
    with tarfile.open(path, "w:xz") as archive:
        for name, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(f"linux-9.9/{name}")
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


TREE_FILES = {
    "Makefile": "VERSION = 9\nPATCHLEVEL = 9\nSUBLEVEL = 1\n",
    "Kconfig": 'config KEXEC\n\tbool "kexec"\n',
    "drivers/foo.c": "int x;\n",  # not needed for Kconfig: not extracted
}


def test_tarball_is_extracted_once_keyed_by_content(tmp_path: Path, private_cache: Path) -> None:
    first = extract_tarball(_tarball(tmp_path / "a.tar.xz", TREE_FILES))
    again = extract_tarball(_tarball(tmp_path / "b.tar.xz", TREE_FILES))  # same content
    assert first == again and first.is_relative_to(private_cache)
    assert (first / "Kconfig").is_file() and not (first / "drivers" / "foo.c").exists()
    other = extract_tarball(_tarball(tmp_path / "c.tar.xz", {**TREE_FILES, "Kconfig": ""}))
    assert other != first
    tree = KconfigTree.load(tmp_path / "a.tar.xz", "arm64")
    assert tree.version == "9.9.1"


@pytest.mark.parametrize("damage", ["garbage", "truncated"])
def test_corrupt_tarball(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "linux.tar.xz"
    if damage == "garbage":
        path.write_bytes(b"this is not xz data at all\n" * 100)
    else:
        big = {**TREE_FILES, "scripts/big": "x" * 200_000}
        data = _tarball(tmp_path / "whole.tar.xz", big).read_bytes()
        path.write_bytes(data[: len(data) // 2])
    with pytest.raises(UserError) as err:
        KconfigTree.load(path, "x86_64")
    assert err.value.file == str(path)
    assert "corrupt or unreadable tarball" in one_line(err.value)


def test_not_a_tarball(tmp_path: Path) -> None:
    path = tmp_path / "linux.zip"
    path.write_text("zip")
    with pytest.raises(UserError, match="not a kernel tree or a release tarball"):
        KconfigTree.load(path, "x86_64")


FRAGMENTS = [
    ("not-an-assignment.cfg", 3, "not an assignment"),
    ("unterminated-string.cfg", 1, "unterminated string"),
]


@pytest.mark.parametrize(("name", "line", "words"), FRAGMENTS)
def test_bad_fragment(name: str, line: int, words: str) -> None:
    path = DATA / "bad-fragments" / name
    with pytest.raises(UserError) as err:
        read_config(path)
    assert (err.value.file, err.value.line) == (str(path), line)
    assert words in one_line(err.value)
    tree = KconfigTree.load(MODULES_TREE, "x86_64", cache=False)
    with pytest.raises(UserError) as err:
        tree.check(Base.allnoconfig(), [path], ())
    assert (err.value.file, err.value.line) == (str(path), line)


def test_unknown_defconfig() -> None:
    tree = KconfigTree.load(MODULES_TREE, "x86_64", cache=False)
    with pytest.raises(UserError, match="no defconfig 'nope_defconfig' in arch/x86/configs"):
        tree.evaluate(Base.defconfig("nope_defconfig"))


REQUIREMENT_FILES = [
    ("unknown-key.yaml", 6, "unknown key"),
    ("bad-role.yaml", 4, "'kernel' is not one of"),
    ("bad-value.yaml", 7, "is not y, m, n or a number"),
    ("missing-reason.yaml", 2, "missing 'reason'"),
    ("bad-arch.yaml", 6, "'sparc' is not one of"),
]


@pytest.mark.parametrize(("name", "line", "words"), REQUIREMENT_FILES)
def test_bad_requirement_data(name: str, line: int, words: str) -> None:
    path = DATA / "bad-requirements" / name
    with pytest.raises(UserError) as err:
        load_requirements(path)
    assert (err.value.file, err.value.line) == (str(path), line)
    assert words in one_line(err.value)
