"""Hostile strings in every string key of the board schema: refused, or harmless everywhere.

The keys come from walking board.schema.json, so a new string key fails
test_every_string_key_has_a_case until it gets a case here. For each key,
hypothesis (derandomized, bounded) builds values from the pieces that break
generated files (newlines, quotes, `$()`, backticks, `${@...}`, `\\`, NUL, line
separators, very long runs), each put into a board that is otherwise valid.
Each value is either refused by `validate` (one located line, exit 2) or:

- every generator takes it (validate and generate agree);
- it sits only where it belongs: every generated file has the lines of the
  same board with a plain marker value, except for the marker's own spot,
  which holds the value as the target escapes it (no new line, assignment,
  command or file);
- the real tools still read every file that changed: sh -n and shellcheck on
  shell, kconfiglib on Config.in and the defconfig, make -n on the .mk files
  (and sh -n on the commands make would run), oelint-adv on the layer,
  yaml on the kas file, the hook's own key=value reading on kdump.conf.

The tools run once per distinct file content (a run's results are cached), so
the whole sweep stays well under two minutes.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import itertools
import json
import os
import re
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import kconfiglib
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kdumplayer import render
from kdumplayer.board.model import from_document, schema
from kdumplayer.errors import UserError
from kdumplayer.generate import buildroot, yocto
from kdumplayer.output import GeneratedFile, write_tree
from kdumplayer.runtime import all_runtime_files
from kdumplayer.yamlsrc import load
from tests.conftest import REPO, run_cli
from tests.generate.test_buildroot import HARNESS
from tests.generate.test_yocto_lint import TASK, bitbake_files, oelint, shell_of_tasks

# A board that reaches every generator, with a marker value (found nowhere in
# the templates' fixed text) in each string key that reaches a file.
BASE: dict[str, Any] = {
    "name": "kdname0",
    "description": "kddescription0",
    "arch": "x86_64",
    "memory": "1G",
    "kernel": {
        "version": "6.12",
        "defconfig": "kddefconfig0",
        "image": "bzImage",
        "recipe": "linux-kdrecipe0",
        "source": "kdsource0",
        "fragments": ["kdfragment0"],
    },
    "crashkernel": {"size": "256M"},
    "capture": {
        "kernel": "/boot/kdcapture0",
        "initrd": "/boot/kdinitrd0",
        "dtb": "/boot/kddtb0",
        "cmdline_append": "kdappend0=1",
        "cmdline_remove": ["kdremove0"],
        "load_method": "auto",
    },
    "bootloader": {"type": "qemu"},
    "init": "busybox",
    "dump": {
        "dir": "/var/kddir0",
        "collector": "makedumpfile",
        "compression": "zlib",
        "min_free": "0",
        "failure_action": "reboot",
        "final_action": "reboot",
        "pre": ["kdpre0"],
        "post": ["kdpost0"],
    },
    "buildroot": {"defconfig": "kdbrdefconfig0", "external_name": "KDEXT0"},
    "yocto": {"machine": "kdmachine0", "layer": "meta-kdlayer0", "releases": ["scarthgap"]},
}
BASE_DEFCONFIG = REPO / "tests/generate/data/buildroot-base/configs/qemu_x86_64_defconfig"

# What breaks a line, a quote, a shell word, a Make or BitBake value, a Kconfig string.
PIECES = [
    "\n",
    "\r",
    "\x00",
    "\t",
    "\x1b",
    "\u2028",
    "\x85",
    '"',
    "'",
    "`reboot`",
    "$(reboot)",
    "${@os.system('reboot')}",
    "${PATH}",
    "$",
    "$$",
    "\\",
    "\\n",
    "#",
    "%",
    "%n",
    ";",
    "&",
    "|",
    "<",
    ">",
    "*",
    "?",
    "[",
    "]",
    "{",
    "}",
    "~",
    "=",
    ":",
    ": ",
    " #",
    ",",
    "@",
    "+",
    "-",
    ".",
    "..",
    "/",
    " ",
    "0",
    "yes",
    "null",
    "é",
    "\ninherit evil\n",
    '"\nINHERIT += "evil',
    "x" * 5000,
    "y" * 1000,
]
# Characters some keys take: values made of these reach the files.
MILD = [
    ".",
    "-",
    "_",
    "0",
    " ",
    "+",
    "@",
    "%",
    ",",
    ":",
    "=",
    "/",
    ";",
    "&",
    "|",
    "<",
    ">",
    "(",
    ")",
    "*",
    "?",
    "[",
    "]",
    "~",
    "!",
    "^",
    "#",
    "{",
    "}",
    "é",
]


@dataclass(frozen=True)
class Case:
    """How a key is exercised: its marker (None: absent from BASE), the board around it."""

    marker: str | None
    context: dict[str, Any] = field(default_factory=dict)  # merged over BASE
    drop: tuple[str, ...] = ()  # dotted keys removed from BASE
    # The value is parsed and written in a normal form (a size, a version): no
    # marker to follow; an accepted value holds nothing but [A-Za-z0-9.@:, _-].
    parsed: bool = False
    host_file: bool = False  # a host path generate reads: the test creates the file
    # Generators that refuse the key whatever its characters (not a character question).
    refused_by: tuple[str, ...] = ()
    takes_text: bool = False  # the key accepts some of the pieces (the sweep must show it)


UBOOT = {"arch": "arm64", "kernel": {"image": "Image"}, "bootloader": {"type": "u-boot"}}
HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJCR63haWrk7AoCw8NO0F151ae5snMovBaEpSceKPD6o"
# An ssh dump target: its values reach kdump.conf, the Buildroot key install and help,
# the Yocto recipe's do_install (the key outside /etc: no BitBake directory variable).
SSH = {
    "dump": {
        "target": {
            "type": "ssh",
            "user": "kduser0",
            "host": "kdhost0",
            "port": 2222,
            "path": "/srv/kdpath0",
            "key": "/kdkey0/id",
            "host_key": HOST_KEY,
            "client": "openssh",
            "fallback": "none",
        },
        "network": {"interface": "kdif0", "address": "dhcp"},
    }
}
STATIC = {"dump": {**SSH["dump"], "network": {"interface": "kdif0", "address": "10.0.2.15/24"}}}
CASES: dict[str, Case] = {
    "name": Case("kdname0", takes_text=True),
    "description": Case("kddescription0", takes_text=True),
    "arch": Case("x86_64", parsed=True),
    "memory": Case("1G", parsed=True),
    "kernel.version": Case("6.12", parsed=True),
    "kernel.source": Case("kdsource0", takes_text=True),
    "kernel.defconfig": Case("kddefconfig0", takes_text=True),
    "kernel.config": Case("kdconfig0", drop=("kernel.defconfig",), host_file=True, takes_text=True),
    "kernel.image": Case("bzImage", parsed=True),
    "kernel.recipe": Case("linux-kdrecipe0", takes_text=True),
    "kernel.fragments[]": Case("kdfragment0", takes_text=True),
    "crashkernel.size": Case("256M", parsed=True),
    "crashkernel.offset": Case(None, parsed=True),
    "crashkernel.value": Case("256M", parsed=True, drop=("crashkernel.size",)),
    "capture.kernel": Case("/boot/kdcapture0", takes_text=True),
    "capture.initrd": Case("/boot/kdinitrd0", takes_text=True),
    "capture.dtb": Case("/boot/kddtb0", takes_text=True),
    "capture.cmdline_append": Case("kdappend0=1", takes_text=True),
    "capture.cmdline_remove[]": Case("kdremove0", takes_text=True),
    "capture.load_method": Case("auto"),
    "bootloader.type": Case("qemu"),
    "bootloader.config": Case("board/kdboot0/boot.cmd", context=UBOOT, takes_text=True),
    "init": Case("busybox"),
    "dump.dir": Case("/var/kddir0", takes_text=True),
    "dump.collector": Case("makedumpfile"),
    "dump.compression": Case("zlib"),
    "dump.min_free": Case("0", parsed=True),
    "dump.failure_action": Case("reboot"),
    "dump.final_action": Case("reboot"),
    "dump.pre[]": Case("kdpre0", takes_text=True),
    "dump.post[]": Case("kdpost0", takes_text=True),
    "dump.target.type": Case("ssh", context=SSH),
    "dump.target.user": Case("kduser0", context=SSH, takes_text=True),
    "dump.target.host": Case("kdhost0", context=SSH, takes_text=True),
    "dump.target.path": Case("/srv/kdpath0", context=SSH, takes_text=True),
    "dump.target.key": Case("/kdkey0/id", context=SSH, takes_text=True),
    "dump.target.host_key": Case(HOST_KEY, context=SSH),
    "dump.target.client": Case("openssh", context=SSH),
    "dump.target.fallback": Case("none", context=SSH),
    "dump.network.interface": Case("kdif0", context=SSH, takes_text=True),
    "dump.network.address": Case("dhcp", context=SSH),
    "dump.network.gateway": Case(None, context=STATIC, parsed=True),
    "kexec_tools": Case(None, parsed=True),
    "buildroot.defconfig": Case("kdbrdefconfig0", takes_text=True),
    "buildroot.external_name": Case("KDEXT0"),
    "buildroot.base_defconfig": Case("bases/kdbase0_defconfig", host_file=True, takes_text=True),
    "yocto.machine": Case("kdmachine0", takes_text=True),
    "yocto.layer": Case("meta-kdlayer0", takes_text=True),
    "yocto.releases[]": Case("scarthgap"),
}
# Files whose text generators wrap (Kconfig help, README paragraphs): compared
# with whitespace runs joined; their structure is the real tool's to check.
WRAPPED = ("buildroot:package/kdump-init/Config.in", "buildroot:README.md", "yocto:README.md")
DIGEST = re.compile(r"\b[0-9a-f]{32}\b|\b[0-9a-f]{64}\b")
EXAMPLES = int(os.environ.get("KDUMPLAYER_HOSTILE_EXAMPLES", "16"))


def string_keys(node: dict[str, Any], prefix: str = "") -> Iterator[str]:
    """Dotted keys (`[]` for array items) whose schema admits a string."""
    for key, sub in node.get("properties", {}).items():
        yield from _keys_of(sub, f"{prefix}{key}")


def _keys_of(sub: dict[str, Any], path: str) -> Iterator[str]:
    if "properties" in sub:
        yield from string_keys(sub, path + ".")
    elif "items" in sub:
        yield from _keys_of(sub["items"], path + "[]")
    else:
        types = sub.get("type", [])
        types = [types] if isinstance(types, str) else types
        if "string" in types or any(isinstance(v, str) for v in sub.get("enum", ())):
            yield path


def _schema_of(key: str) -> dict[str, Any]:
    node: dict[str, Any] = schema()
    for part in key.split("."):
        node = node["properties"][part.removesuffix("[]")]
        if part.endswith("[]"):
            node = node["items"]
    return node


def test_every_string_key_has_a_case() -> None:
    keys = list(string_keys(schema()))
    assert len(keys) >= 35
    assert sorted(keys) == sorted(CASES), "give every string key of the schema a Case"


# --- boards and trees ------------------------------------------------------------------------


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        out[key] = (
            _merge(out[key], value)
            if isinstance(value, dict) and key in out
            else copy.deepcopy(value)
        )  # a case's context is never written through
    return out


def board_data(key: str, value: str | None) -> dict[str, Any]:
    case = CASES[key]
    data = _merge(BASE, case.context)
    for dotted in case.drop:
        *parents, last = dotted.split(".")
        node = data
        for part in parents:
            node = node[part]
        del node[last]
    *parents, last = key.split(".")
    node = data
    for part in parents:
        node = node.setdefault(part, {})
    if value is not None:
        node[last.removesuffix("[]")] = [value] if last.endswith("[]") else value
    return data


def write_board(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "board.yaml"
    # Every string survives, escaped where it is not printable (NUL, newlines...).
    path.write_text(yaml.safe_dump(data, allow_unicode=False, width=10**6), encoding="ascii")
    assert load(path).data == data
    return path


Trees = dict[str, str]  # "tree:relative path" -> text (mode appended)


def trees(board_path: Path, skip: tuple[str, ...] = ()) -> Trees:
    board = from_document(load(board_path))
    out: Trees = {}
    generated: dict[str, dict[str, GeneratedFile]] = {}
    if "buildroot" not in skip:
        generated["buildroot"] = buildroot.generate(board)
    generated["yocto"] = yocto.generate(board)
    generated["runtime"] = {
        f.name: GeneratedFile(f.text.encode(), f.mode) for f in all_runtime_files(board)
    }
    for tree, files in generated.items():
        for rel, item in files.items():
            out[f"{tree}:{rel}"] = item.content.decode("utf-8") + f"\n[mode {item.mode:o}]\n"
    return out


@cache
def base_trees(key: str, tmp: Path) -> Trees:
    case = CASES[key]
    path = write_board(tmp / "base" / key, board_data(key, case.marker))
    if case.host_file and case.marker:
        assert _create(path.parent, case.marker)
    return trees(path, case.refused_by)


def _create(directory: Path, relative: str) -> bool:
    """A copy of a base defconfig at `relative` (only inside `directory`); it stands
    for any host file a board names (a base defconfig, a kernel .config)."""
    try:
        path = (directory / relative).resolve()
        if directory.resolve() not in path.parents:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(BASE_DEFCONFIG.read_bytes())
    except (OSError, ValueError):
        return False
    return path.is_file()


# --- where the value may be: its forms in each target ------------------------------------------


def _squash(text: str) -> str:
    # ASCII white space only, as textwrap wraps: a no-break space is part of a value.
    return re.sub(r"[ \t\n\r\f\v]+", " ", text).strip()


def assert_only_where_it_belongs(key: str, value: str, base: Trees, got: Trees) -> set[str]:
    """Every file is the base's with the marker's spots holding `value`; the changed files."""
    marker = CASES[key].marker
    # Each filter's form of the value, paired with the same filter's form of the marker.
    pairs = _paired(value, marker) if marker else []
    names = {name: _counterpart(name, base, pairs) for name in got}
    assert sorted(names.values()) == sorted(base), f"{key}={value!r}: other files"
    changed = set()
    for name, base_name in names.items():
        mine, theirs = got[name], base[base_name]
        if mine == theirs:
            continue
        changed.add(name)
        if CASES[key].parsed:
            # Read as a number or a name and written in its normal form: none of
            # the characters that break a file got through.
            assert re.fullmatch(r"[A-Za-z0-9.@:, _-]*", value), f"{key}={value!r} reached {name}"
            continue
        if name in WRAPPED:
            mine, theirs = _squash(mine), _squash(theirs)
        mine_lines, their_lines = mine.split("\n"), theirs.split("\n")
        assert len(mine_lines) == len(their_lines), f"{key}={value!r}: {name} gained lines"
        for line, theirs_line in zip(mine_lines, their_lines, strict=True):
            # A checksum of a file that holds the value (the layer's license) follows it.
            line, theirs_line = DIGEST.sub("<digest>", line), DIGEST.sub("<digest>", theirs_line)
            assert line == theirs_line or _same_but_value(line, theirs_line, pairs), (
                f"{key}={value!r}: {name} changed outside the value's place:\n"
                f"-{theirs_line}\n+{line}"
            )
    return changed


def _counterpart(name: str, base: Trees, pairs: list[tuple[str, str]]) -> str:
    if name in base:
        return name
    return next((b for b in base if _same_but_value(name, b, pairs)), name)


def _strip(text: str, pairs: tuple[tuple[str, str], ...], which: int) -> str:
    for pair in sorted(pairs, key=lambda p: len(p[which]), reverse=True):
        text = text.replace(pair[which], "\x00")
    return text


def _same_but_value(mine: str, theirs: str, pairs: list[tuple[str, str]]) -> bool:
    """`mine` is `theirs` with the marker's forms replaced by the value's (by up to 3 filters)."""
    present = [p for p in pairs if p[0] in mine and p[1] in theirs]
    return any(
        _strip(mine, subset, 0) == _strip(theirs, subset, 1)
        for size in range(1, min(3, len(present)) + 1)
        for subset in itertools.combinations(present, size)
    )


# How templates write a value: as is, with systemd's `%%`, as an identifier (the
# board's ident, BR2_EXTERNAL-style upper case), as the layer's collection and
# class names, and through each escaping filter of kdumplayer.render.
FILTERS: list[Callable[[str], str]] = [
    lambda v: v,
    lambda v: v.replace("%", "%%"),
    lambda v: re.sub(r"[^a-z0-9_]", "_", v),
    lambda v: re.sub(r"[^A-Za-z0-9_]", "_", v).upper(),
    lambda v: v.removeprefix("meta-").replace("-", "_"),
    lambda v: v.removeprefix("meta-"),
    render.sh_quote,
    render.bb_quote,
    render.kconfig_quote,
    render.yaml_scalar,
    lambda v: render.make_escape(render.sh_quote(v)),
    json.dumps,
]


def _paired(value: str, marker: str) -> list[tuple[str, str]]:
    pairs = set()
    for escape in FILTERS:
        with contextlib.suppress(render.UnsafeValue):
            pairs.add((escape(value), escape(marker)))
    return [p for p in pairs if p[0] and p[1]]


def _diff(mine: str, theirs: str) -> list[str]:
    import difflib

    return list(difflib.unified_diff(theirs.splitlines(), mine.splitlines(), lineterm="", n=1))


# --- the real tools, once per distinct content ---------------------------------------------------

_CHECKED: dict[str, str] = {}  # content hash -> "" (passed) or the failure


def _once(what: str, content: str, run: Callable[[], str]) -> None:
    digest = hashlib.sha256(f"{what}\0{content}".encode()).hexdigest()
    if digest not in _CHECKED:
        _CHECKED[digest] = run()
    assert _CHECKED[digest] == "", f"{what}: {_CHECKED[digest]}"


def _text(got: Trees, name: str) -> str:
    return got[name].rsplit("\n[mode ", 1)[0]


def _tool(args: list[str], **kwargs: Any) -> str:
    result = subprocess.run(
        args, capture_output=True, text=True, check=False, timeout=120, **kwargs
    )
    return "" if result.returncode == 0 else f"{' '.join(args[:2])}: {result.stderr}{result.stdout}"


def check_with_tools(got: Trees, changed: set[str], work: Path) -> None:
    # The layer's BitBake files (files/ holds what the recipe installs: data to BitBake).
    layers = {n for n in changed if n.startswith("yocto:") and "/files/" not in n}
    for name in sorted(changed):
        text = _text(got, name)
        if text.startswith("#!"):
            _once("shell", text, lambda t=text: _shell(t, work))
        if name.endswith(("kdump-init.mk", "external.mk")):
            _once("make", text, lambda g=got: _make(g, work))
        if name.endswith("Config.in") or "/configs/" in name:
            _once("kconfig", text, lambda g=got: _kconfig(g, work))
        if name.endswith(".yml"):
            _once(
                "yaml",
                text,
                lambda t=text: "" if isinstance(yaml.safe_load(t), dict) else "not a mapping",
            )
        if name.endswith("kdump.conf"):
            _once("conf", text, lambda t=text: _conf(t))
        if TASK.search(text):
            _once("tasks", text, lambda t=text: _shell(shell_of_tasks(t), work))
    if any(n.endswith((".bb", ".bbappend", ".inc", ".bbclass", ".conf")) for n in layers):
        bitbake = "".join(_text(got, n) for n in sorted(got) if n.startswith("yocto:"))
        _once("oelint", bitbake, lambda g=got: _oelint(g, work))


def _shell(text: str, work: Path) -> str:
    script = work / "script.sh"
    script.write_text(text)
    return _tool(["sh", "-n", str(script)]) or _tool(["shellcheck", "-s", "sh", str(script)])


def _tree_dir(got: Trees, tree: str, work: Path) -> Path:
    root = work / tree
    files = {
        n.split(":", 1)[1]: GeneratedFile.text(_text(got, n))
        for n in got
        if n.startswith(tree + ":")
    }
    write_tree(root, files)
    return root


def _make(got: Trees, work: Path) -> str:
    root = _tree_dir(got, "buildroot", work)
    harness = work / "Makefile"
    harness.write_text(
        HARNESS.format(
            pkgdir=root / "package/kdump-init",
            target=work / "target",
            calls=work / "calls",
            mk=root / "package/kdump-init/kdump-init.mk",
        )
    )
    result = subprocess.run(
        ["make", "-n", "-s", "-f", str(harness), "install-target", "install-init-SYSV", "fixups"],
        capture_output=True,
        text=True,
        check=False,
        cwd=work,
        timeout=60,
    )
    if result.returncode != 0 or result.stderr:
        return f"make -n: {result.stderr}"
    # What make would run is shell: it must parse too.
    commands = work / "commands.sh"
    commands.write_text(result.stdout)
    if error := _tool(["sh", "-n", str(commands)]):
        return error
    external = work / "external-harness.mk"
    external.write_text(f"include {root / 'external.mk'}\nall:\n\t@:\n")
    name = _external_name(got)
    return _tool(["make", "-n", "-f", str(external), f"BR2_EXTERNAL_{name}_PATH={root}"])


def _external_name(got: Trees) -> str:
    name = re.search(r"^name: (\S+)$", _text(got, "buildroot:external.desc"), re.M)
    assert name
    return name.group(1)


def _kconfig(got: Trees, work: Path) -> str:
    root = _tree_dir(got, "buildroot", work)
    name = _external_name(got)
    configs = "".join(
        _text(got, n) for n in got if n.startswith("buildroot:") and n.endswith("Config.in")
    )
    defconfig = next(n for n in got if n.startswith("buildroot:configs/"))
    values = dict(re.findall(r"^(BR2_\w+)=(.*)$", _text(got, defconfig), re.M))
    defined = set(re.findall(r"^config (BR2_\w+)", configs, re.M))
    used = {
        u
        for u in re.findall(r"\bBR2_[A-Za-z0-9_]+", configs) + list(values)
        if not u.startswith("BR2_EXTERNAL_")
    } - defined
    stubs = "".join(
        f'config {s}\n\t{"string" if values.get(s, "y").startswith(chr(34)) else "bool"} "{s}"\n\n'
        for s in sorted(used)
    )
    top = work / "Config.in"
    top.write_text(f'mainmenu "stub"\n\n{stubs}source "$BR2_EXTERNAL_{name}_PATH/Config.in"\n')
    os.environ[f"BR2_EXTERNAL_{name}_PATH"] = str(root)
    os.environ["CONFIG_"] = ""  # Buildroot's .config names symbols without a prefix
    try:
        kconf = kconfiglib.Kconfig(str(top), warn_to_stderr=False)
        kconf.load_config(str(root / defconfig.split(":", 1)[1]))
    except kconfiglib.KconfigError as exc:
        return str(exc)
    finally:
        del os.environ[f"BR2_EXTERNAL_{name}_PATH"], os.environ["CONFIG_"]
    bad = [w for w in kconf.warnings if "not a Kconfig" not in w]
    if bad:
        return "; ".join(bad)
    # Each string the defconfig sets reads back as the value written.
    for symbol, raw in values.items():
        if raw.startswith('"') and kconf.syms[symbol].str_value != _unquote(raw):
            return f"{symbol} reads back as {kconf.syms[symbol].str_value!r}"
    return ""


def _unquote(raw: str) -> str:
    return re.sub(r"\\(.)", r"\1", raw[1:-1])


def _conf(text: str) -> str:
    """kdump.conf as the hook reads it: every non-comment line is key=value."""
    for line in text.splitlines():
        if line and not line.startswith("#") and not re.match(r"^[a-z_]+=", line):
            return f"not key=value: {line!r}"
    return ""


def _oelint(got: Trees, work: Path) -> str:
    result = oelint("scarthgap", bitbake_files(_tree_dir(got, "yocto", work)))
    return "" if result.returncode == 0 and not result.stderr.strip() else result.stderr


# --- the sweep -----------------------------------------------------------------------------------


def hostile(key: str, marker: str | None) -> st.SearchStrategy[str]:
    """Pieces after the marker or before it (so the value stays traceable), or alone.

    The pieces: the ones that break files, milder punctuation, and text the
    key's own schema pattern matches (so keys with a pattern accept some).
    """
    strategies = [
        st.lists(st.sampled_from(PIECES), min_size=1, max_size=3).map("".join),
        st.lists(st.sampled_from(MILD), min_size=1, max_size=4).map("".join),
    ]
    if pattern := _schema_of(key).get("pattern"):
        strategies.append(st.from_regex(pattern, fullmatch=True).filter(lambda s: 0 < len(s) < 40))
    pieces = st.one_of(strategies)
    if marker is None:
        return pieces
    return st.builds(
        lambda before, text: text + marker if before else marker + text, st.booleans(), pieces
    )


def _refused(path: Path) -> UserError | None:
    try:
        from_document(load(path))
    except UserError as exc:
        return exc
    return None


@pytest.mark.parametrize("key", sorted(CASES))
def test_hostile_value_refused_or_harmless(
    key: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    case = CASES[key]
    tmp = tmp_path_factory.mktemp("hostile")
    base = base_trees(key, tmp_path_factory.getbasetemp())
    counter = iter(range(10**6))
    accepted: list[str] = []

    @settings(
        derandomize=True,
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(value=hostile(key, case.marker))
    def check(value: str) -> None:
        work = tmp / str(next(counter))
        path = write_board(work, board_data(key, value))
        # A host file the board names must exist before validate looks at it.
        created = _create(work, value) if case.host_file else True
        if _refused(path) is not None:
            result = run_cli("validate", path)
            assert result.code == 2 and result.out == ""
            assert len(result.err.splitlines()) == 1 and "Traceback" not in result.err
            return
        if not created:
            return  # no such file can exist there: not a question of characters
        if "buildroot" in case.refused_by:
            with pytest.raises(UserError) as exc:
                buildroot.generate(from_document(load(path)))
            assert exc.value.key == key
        got = trees(path, case.refused_by)
        changed = assert_only_where_it_belongs(key, value, base, got)
        check_with_tools(got, changed, work)
        accepted.append(value)

    check()
    if os.environ.get("KDUMPLAYER_HOSTILE_LOG"):
        with open(os.environ["KDUMPLAYER_HOSTILE_LOG"], "a", encoding="utf-8") as log:
            log.write(f"{key}\t{next(counter)}\t{len(accepted)}\t{accepted!r}\n")
    # A key that takes more than letters and digits must meet some of it here.
    assert accepted or not case.takes_text, f"{key}: no hostile value was accepted"


FAULT_6 = 'qemux86-64\nINHERIT += "evil"'


def test_fault_6_machine_with_newline_is_refused(tmp_path: Path) -> None:
    path = write_board(tmp_path, board_data("yocto.machine", FAULT_6))
    result = run_cli("validate", path)
    assert result.code == 2
    assert "yocto.machine: contains '\\n'" in result.err
    result = run_cli("generate", "yocto", path, "-o", tmp_path / "layer")
    assert result.code == 2
    assert not (tmp_path / "layer").exists()


def test_accepted_machine_is_quoted_for_bitbake_and_yaml(tmp_path: Path) -> None:
    # A MACHINE that YAML would read as a number stays a string in the kas file.
    path = write_board(tmp_path, board_data("yocto.machine", "1234"))
    tree = trees(path)
    kas = next(n for n in tree if n.startswith("yocto:kas-"))
    assert yaml.safe_load(_text(tree, kas))["machine"] == "1234"
    recipe = _text(tree, "yocto:recipes-kernel/kdump-init/kdump-init_1.0.bb")
    assert 'COMPATIBLE_MACHINE = "^1234$"\n' in recipe


@pytest.mark.parametrize(
    ("generator", "name"), [("buildroot", "KDUMP_X\n"), ("yocto", "meta-kdump-x\n")]
)
def test_name_option_with_trailing_newline_is_refused(
    generator: str, name: str, tmp_path: Path
) -> None:
    # `$` in Python's re matches before a final newline: the check must not.
    path = write_board(tmp_path, BASE)
    result = run_cli("generate", generator, path, "--name", name, "-o", tmp_path / "out")
    assert result.code == 2
    assert result.err.startswith("kdumplayer: error: --name: ")
    assert not (tmp_path / "out").exists()
