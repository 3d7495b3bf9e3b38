"""Buildroot's check-package conventions, as small rule classes run on a generated tree.

Each rule has an id (its class name) and reports `path:line: message`. They
follow the rules Buildroot's utils/check-package applies (the manual's
"writing rules"): the .mk header and variable prefixes, Config.in attribute
order, indentation and help text width, SysV script names and DAEMON, hash
file format, defconfigs forcing hash checks, and whitespace and file modes.
The tests run them on every generated tree; Buildroot's own check-package is
run on the same trees by hand (it cannot be fetched in CI).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath
from typing import ClassVar

from kdumplayer.findings import Finding, Location, Severity
from kdumplayer.output import GeneratedFile


def _found(rule: str, path: str, line: int, message: str) -> Finding:
    """A convention broken at a line of a file (0: the file as a whole)."""
    return Finding(rule, Severity.ERROR, message, Location(path, line or None))


def is_config_in(path: str) -> bool:
    return PurePosixPath(path).name.startswith("Config.")


def is_package_mk(path: str) -> bool:
    return path.startswith("package/") and path.endswith(".mk")


def is_sysv(path: str) -> bool:
    return re.match(r"^S\d\d", PurePosixPath(path).name) is not None


def is_script(path: str) -> bool:
    return path.startswith("board/") and path.endswith(".sh")


class Rule:
    """One convention: `check` returns its findings for one file."""

    def applies(self, path: str) -> bool:
        return True

    def check(self, path: str, text: str, mode: int) -> list[Finding]:
        findings = []
        self.before(path)
        for number, line in enumerate(
            text.split("\n")[:-1] if text.endswith("\n") else text.split("\n"), start=1
        ):
            message = self.check_line(line)
            if message:
                findings.append(_found(type(self).__name__, path, number, message))
        message = self.after()
        if message:
            findings.append(_found(type(self).__name__, path, 0, message))
        return findings

    def before(self, path: str) -> None:
        self.path = path

    def check_line(self, line: str) -> str | None:
        return None

    def after(self) -> str | None:
        return None


class TrailingSpace(Rule):
    def check_line(self, line: str) -> str | None:
        return "line has trailing whitespace" if line != line.rstrip() else None


class NewlineAtEof(Rule):
    def check(self, path: str, text: str, mode: int) -> list[Finding]:
        if text and not text.endswith("\n"):
            return [_found("NewlineAtEof", path, text.count("\n") + 1, "missing newline at EOF")]
        if text.endswith("\n\n"):
            return [_found("NewlineAtEof", path, text.count("\n"), "empty line at EOF")]
        return []


class ConsecutiveEmptyLines(Rule):
    def before(self, path: str) -> None:
        self.previous = "x"

    def check_line(self, line: str) -> str | None:
        empty = not line.strip() and not self.previous.strip()
        self.previous = line
        return "consecutive empty lines" if empty else None


class FileMode(Rule):
    """Scripts Buildroot runs are executable; everything else is not."""

    def check(self, path: str, text: str, mode: int) -> list[Finding]:
        want = 0o755 if is_script(path) else 0o644
        if mode != want:
            return [_found("FileMode", path, 0, f"mode {mode:o}, expected {want:o}")]
        return []


class PackageHeader(Rule):
    def applies(self, path: str) -> bool:
        return is_package_mk(path)

    def check(self, path: str, text: str, mode: int) -> list[Finding]:
        name = PurePosixPath(path).stem
        want = ["#" * 80, "#", f"# {name}", "#", "#" * 80, ""]
        got = text.split("\n")[:6]
        return [
            _found("PackageHeader", path, i + 1, f"header line should be {w!r}")
            for i, w in enumerate(want)
            if i >= len(got) or got[i] != w
        ][:1]


class VariablePrefix(Rule):
    """Every variable a package .mk sets starts with the package's upper-case name."""

    ASSIGN = re.compile(r"^(?:define\s+)?([A-Za-z0-9_]+)\s*(?:[:+?]?=|$)")

    def applies(self, path: str) -> bool:
        return is_package_mk(path)

    def before(self, path: str) -> None:
        self.prefix = PurePosixPath(path).stem.upper().replace("-", "_") + "_"
        self.in_define = False

    def check_line(self, line: str) -> str | None:
        if line.startswith("define "):
            self.in_define = True
        elif line.startswith("endef"):
            self.in_define = False
            return None
        elif self.in_define or line.startswith(("#", "\t", "$(eval", "include ")) or not line:
            return None
        # Make's conditionals set no variable.
        if re.match(r"(?:ifeq|ifneq|ifdef|ifndef|else|endif)\b", line):
            return None
        match = self.ASSIGN.match(line)
        if match and not match.group(1).startswith(self.prefix):
            return f"variable {match.group(1)} is not prefixed with {self.prefix}"
        return None


_ENTRIES = (
    "config",
    "menuconfig",
    "comment",
    "menu",
    "endmenu",
    "if",
    "endif",
    "choice",
    "endchoice",
    "source",
)
_ATTRIBUTES = {
    "bool": 1,
    "string": 1,
    "int": 1,
    "hex": 1,
    "tristate": 1,
    "prompt": 1,
    "default": 2,
    "depends": 3,
    "select": 4,
    "imply": 4,
    "help": 5,
}


class ConfigAttributeOrder(Rule):
    def applies(self, path: str) -> bool:
        return is_config_in(path)

    def before(self, path: str) -> None:
        self.state = 0
        self.help = False

    def check_line(self, line: str) -> str | None:
        if not line.strip() or line.lstrip().startswith("#"):
            return None
        if self.help and line.startswith("\t  "):
            return None
        word = line.split()[0]
        if word in _ENTRIES:
            self.state, self.help = 0, False
            return None
        rank = _ATTRIBUTES.get(word)
        if rank is None:
            return None
        self.help = word == "help"
        wrong = rank < self.state
        self.state = rank
        return "attributes order: type, default, depends on, select, help" if wrong else None


class ConfigIndent(Rule):
    def applies(self, path: str) -> bool:
        return is_config_in(path)

    def before(self, path: str) -> None:
        self.help = False
        self.continued = False

    def check_line(self, line: str) -> str | None:
        continued, self.continued = self.continued, line.endswith("\\")
        if not line.strip() or line.lstrip().startswith("#") or continued:
            return None
        if self.help and line.startswith("\t  "):
            return None
        word = line.split()[0]
        self.help = word == "help"
        if word in _ATTRIBUTES and not line.startswith(f"\t{word}"):
            return "attribute should be indented with one tab"
        if word in _ENTRIES and line[0].isspace():
            return f"{word} should not be indented"
        return None


class HelpText(Rule):
    """Help lines: a tab, two spaces, at most 62 characters (a bare URL may be longer)."""

    def applies(self, path: str) -> bool:
        return is_config_in(path)

    def before(self, path: str) -> None:
        self.help = False

    def check_line(self, line: str) -> str | None:
        if line.strip() == "help":
            self.help = True
            return None
        if not self.help or not line.strip():
            return None
        if not line.startswith("\t  "):
            if line.split()[0] in _ENTRIES:
                self.help = False
                return None
            return "help text should be indented with a tab and two spaces"
        body = line[3:]
        if len(body) > 62 and not re.match(r"^(https?|git)://\S*$", body):
            return f"help text is {len(body)} characters wide (at most 62)"
        return None


class SysvScript(Rule):
    """An S<NN><name> script sets DAEMON="<name>" and indents with tabs."""

    def applies(self, path: str) -> bool:
        return is_sysv(path)

    def before(self, path: str) -> None:
        self.expected = re.sub(r"^S\d\d", "", PurePosixPath(path).name)
        self.daemon: str | None = None

    def check_line(self, line: str) -> str | None:
        match = re.match(r"""^DAEMON=["']?([^"']*)["']?$""", line)
        if match:
            self.daemon = match.group(1)
            if self.daemon != self.expected:
                return f"DAEMON={self.daemon!r} does not match the file name (S<NN>{self.daemon})"
        if re.match(r"^\t* ", line):
            return "should be indented with tabs"
        return None

    def after(self) -> str | None:
        return None if self.daemon is not None else "DAEMON variable not defined"


class DefconfigForceHashes(Rule):
    def applies(self, path: str) -> bool:
        return path.startswith("configs/") and path.endswith("_defconfig")

    def check(self, path: str, text: str, mode: int) -> list[Finding]:
        if "BR2_DOWNLOAD_FORCE_CHECK_HASHES=y" in text.split("\n"):
            return []
        return [
            _found("DefconfigForceHashes", path, 0, "missing BR2_DOWNLOAD_FORCE_CHECK_HASHES=y")
        ]


class HashFile(Rule):
    SIZES: ClassVar[dict[str, int]] = {
        "md5": 32,
        "sha1": 40,
        "sha224": 56,
        "sha256": 64,
        "sha384": 96,
        "sha512": 128,
    }

    def applies(self, path: str) -> bool:
        return path.endswith(".hash")

    def check_line(self, line: str) -> str | None:
        if not line.strip() or line.startswith("#"):
            return None
        fields = line.split()
        if len(fields) != 3:
            return "expected three fields"
        if line != "  ".join(fields):
            return "fields should be separated by two spaces"
        kind, value, _ = fields
        if kind not in self.SIZES:
            return f"unexpected type of hash {kind!r}"
        if not re.match(rf"^[0-9a-f]{{{self.SIZES[kind]}}}$", value):
            return f"a {kind} has {self.SIZES[kind]} hex digits"
        return None


class ExternalDesc(Rule):
    def applies(self, path: str) -> bool:
        return path == "external.desc"

    def check(self, path: str, text: str, mode: int) -> list[Finding]:
        lines = text.split("\n")
        if not lines or not re.match(r"^name: [A-Za-z0-9_]+$", lines[0]):
            return [
                _found("ExternalDesc", path, 1, "first line should be 'name: NAME' ([A-Za-z0-9_])")
            ]
        if not any(re.match(r"^desc: \S", line) for line in lines):
            return [_found("ExternalDesc", path, 0, "no 'desc: ...' line")]
        return []


RULES: tuple[Rule, ...] = (
    TrailingSpace(),
    NewlineAtEof(),
    ConsecutiveEmptyLines(),
    FileMode(),
    PackageHeader(),
    VariablePrefix(),
    ConfigAttributeOrder(),
    ConfigIndent(),
    HelpText(),
    SysvScript(),
    DefconfigForceHashes(),
    HashFile(),
    ExternalDesc(),
)


def check_file(path: str, item: GeneratedFile, rules: Iterable[Rule] = RULES) -> list[Finding]:
    text = item.content.decode("utf-8")
    return [f for rule in rules if rule.applies(path) for f in rule.check(path, text, item.mode)]


def check_tree(tree: Mapping[str, GeneratedFile], rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Every finding of every rule on every file of a generated tree."""
    rules = tuple(rules)
    return [f for path in sorted(tree) for f in check_file(path, tree[path], rules)]
