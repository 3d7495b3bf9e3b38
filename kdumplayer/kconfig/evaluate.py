"""Evaluate a base config plus fragments into the final .config, as the C tools would.

The flow mirrors what Buildroot and a developer do:

1. the base: `make NAME` for a defconfig (the file's values, resolved and
   written out), a given .config, `make allnoconfig`, or `make tinyconfig`
   (allnoconfig seeded with kernel/configs/tiny-base.config, then tiny.config
   merged and resolved);
2. the written base plus every fragment, in order (a later value wins, as with
   merge_config.sh), resolved like `make olddefconfig`.

Writing a resolved config and reading it back matters: a symbol with a prompt
keeps the value the base resolved it to, even when a fragment changes its
default.

The C choice semantics changed in 6.11: a choice keeps a priority list of
its members (an assigned member moves to the front), takes the first visible
member assigned y, else its default unless that member was explicitly set to
n, else the first visible unassigned member, else the least prioritised one.
kconfiglib implements the older rule; for trees >= 6.11 the choices of the
parsed tree are switched to PriorityChoice, which implements the new one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import kconfiglib

from kdumplayer.errors import UserError
from kdumplayer.kconfig.compat import MEMORY_CONFIG
from kdumplayer.kconfig.configfile import Assignment, read_config
from kdumplayer.kconfig.targets import (
    MergeInto,
    Targets,
    arch_recipes,
    arch_targets,
    fragment_files,
    kbuild_defconfig,
)

if TYPE_CHECKING:
    from kdumplayer.kconfig.tree import KconfigTree

NEW_CHOICE_SINCE = (6, 11)
IMPLY_M_SINCE = (5, 7)  # symbols implied by y may be m (ImpliedMSymbol)
INT_HEX_RULES_SINCE = (6, 8)  # int/hex: 0/0x0 without a value, clamped user values
_BASE_FORMAT = "b4"  # bump when evaluation semantics change: invalidates cached bases
_CLOSURE_FORMAT = "c1"  # bump when Closure follows other references: its cached bases too


@dataclass(frozen=True)
class Base:
    """Where the config starts: a defconfig of the tree, a file, tinyconfig or allnoconfig."""

    kind: str  # defconfig | config | tinyconfig | allnoconfig
    name: str = ""
    path: Path | None = None

    @classmethod
    def defconfig(cls, name: str) -> Base:
        return cls("defconfig", name=name)

    @classmethod
    def config(cls, path: Path | str) -> Base:
        return cls("config", name=str(path), path=Path(path))

    @classmethod
    def tinyconfig(cls) -> Base:
        return cls("tinyconfig", name="tinyconfig")

    @classmethod
    def allnoconfig(cls) -> Base:
        return cls("allnoconfig", name="allnoconfig")

    @classmethod
    def parse(cls, text: str) -> Base:
        """'tinyconfig', 'allnoconfig', a defconfig name, or a path to a config file."""
        if text in ("tinyconfig", "allnoconfig"):
            return cls(text, name=text)
        if "/" in text or Path(text).is_file():
            return cls.config(text)
        return cls.defconfig(text)

    def describe(self) -> str:
        return self.name

    def __str__(self) -> str:
        """How reports show it: 'defconfig NAME', 'config PATH', 'tinyconfig'."""
        return f"{self.kind} {self.name}" if self.kind in ("defconfig", "config") else self.kind


@dataclass
class Evaluation:
    """The final values, and every assignment that went in, located."""

    values: dict[str, str]  # symbol -> the .config line's value ("y", "0x10", '"text"')
    assignments: list[Assignment]  # base (as written) then fragments, in order
    fragment_assignments: list[Assignment]
    requested: dict[str, Assignment] = field(default_factory=dict)  # last fragment value
    overridden: list[tuple[Assignment, Assignment]] = field(default_factory=list)
    unknown: list[Assignment] = field(default_factory=list)  # symbols the tree lacks
    base_lines: list[Assignment] = field(default_factory=list)  # the base file's own lines

    def config_text(self) -> str:
        lines = [
            f"# CONFIG_{name} is not set" if value == "n" else f"CONFIG_{name}={value}"
            for name, value in self.values.items()
        ]
        return "\n".join(lines) + "\n"


class PriorityChoice(kconfiglib.Choice):
    """A choice resolved the 6.11+ way (see the module docstring)."""

    __slots__ = ()

    @property
    def tri_value(self) -> int:
        # From 6.11 a choice is no symbol of its own: its members are resolved whenever
        # its dependencies hold, even when its prompt is hidden (`prompt "x" if EXPERT`).
        # (kconfiglib makes the members depend on the choice: this is that bound.)
        return 2 if any(kconfiglib.expr_value(node.dep) for node in self.nodes) else 0

    def _selection(self):  # type: ignore[no-untyped-def]
        if self.tri_value != 2:
            return None
        state: ChoiceState = self.kconfig.choice_state
        user = state.user
        order = state.priority(self)
        for sym in order:
            if user.get(sym) == 2 and sym.visibility:
                return sym
        default = self._selection_from_defaults()
        if default is not None and user.get(default) != 0:
            return default
        for sym in self.syms:
            if sym.visibility and sym not in user:
                return sym
        for sym in reversed(order):
            if sym.visibility:
                return sym
        return None


class ImpliedSymbol(kconfiglib.Symbol):
    """A symbol some `imply` names: the C tools write it even when its dependencies fail.

    scripts/kconfig/symbol.c sets SYMBOL_WRITE as soon as the imply condition is
    not n (the value stays n without the dependencies); kconfiglib writes such
    a symbol only when its dependencies are met. Only the writing differs.
    """

    __slots__ = ()

    @property
    def config_string(self) -> str:
        text: str = kconfiglib.Symbol.config_string.fget(self)  # type: ignore[attr-defined]
        if text or (self.visibility and self.user_value is not None):
            return text
        if kconfiglib.expr_value(self.weak_rev_dep) and self.tri_value == 0:
            return f"# {self.kconfig.config_prefix}{self.name} is not set\n"
        return text


class ImpliedMSymbol(ImpliedSymbol):
    """An implied symbol the 5.7+ way: `imply` by y no longer forces m to y.

    From 5.7 (kconfig: allow symbols implied by y to become m) sym_calc_value
    ORs the imply value into the default and ANDs the result with the direct
    dependencies; only bool symbols promote m to y. kconfiglib keeps the older
    rule (m implied by y becomes y, and m is not assignable then).
    """

    __slots__ = ()

    @property
    def tri_value(self) -> int:
        me: Any = self  # kconfiglib's slots are untyped
        if me._cached_tri_val is not None or self.choice is not None:
            return kconfiglib.Symbol.tri_value.fget(self)  # type: ignore[attr-defined,no-any-return]
        vis = self.visibility
        me._write_to_conf = vis != 0
        val = 0
        if vis and self.user_value is not None:
            val = min(self.user_value, vis)
        else:
            for default, cond in self.defaults:
                dep = kconfiglib.expr_value(cond)
                if dep:
                    val = min(kconfiglib.expr_value(default), dep)
                    if val:
                        me._write_to_conf = True
                    break
            implied = kconfiglib.expr_value(self.weak_rev_dep)
            if implied:
                me._write_to_conf = True
                val = min(max(val, implied), kconfiglib.expr_value(self.direct_dep))
        rev = kconfiglib.expr_value(self.rev_dep)
        if rev:
            val = max(rev, val)
            me._write_to_conf = True
        if val == 1 and self.type is kconfiglib.BOOL:
            val = 2
        me._cached_tri_val = val
        return val

    def _assignable(self) -> tuple[int, ...]:
        vis = self.visibility
        if self.choice is not None or not vis or self.type is kconfiglib.BOOL:
            return kconfiglib.Symbol._assignable(self)  # type: ignore[attr-defined,no-any-return]
        # kconfiglib's table without its imply rule (tristate, not a choice member)
        rev = kconfiglib.expr_value(self.rev_dep)
        if rev == 2:
            return (2,)
        if rev == 1:
            return (1, 2) if vis == 2 else (1,)
        return (0, 1, 2) if vis == 2 else (0, 1)


class IntHexSymbol(kconfiglib.Symbol):
    """An int or hex symbol the 6.8+ way.

    From 6.8 (kconfig: default to zero if int/hex symbol lacks default property)
    one with no value at all is 0 / 0x0, where older C tools wrote `CONFIG_X=`;
    and (kconfig: do not clear SYMBOL_DEF_USER when the value is out of range) a
    user value outside the active range is clamped to the nearer bound, where
    older ones (and kconfiglib) fell back to the defaults.
    """

    __slots__ = ()

    @property
    def str_value(self) -> str:
        me: Any = self  # kconfiglib's slots are untyped
        if me._cached_str_val is not None:
            return me._cached_str_val  # type: ignore[no-any-return]
        value: str = kconfiglib.Symbol.str_value.fget(self)  # type: ignore[attr-defined]
        clamped = self._clamped_user_value()
        if clamped is not None:
            value = clamped
        elif value == "":
            value = "0" if self.orig_type is kconfiglib.INT else "0x0"
        me._cached_str_val = value
        return value

    def _clamped_user_value(self) -> str | None:
        """The range bound C's sym_validate_range puts in place of an out-of-range
        user value; None when there is no user value or it is in range."""
        user = self.user_value
        if not user or not self.visibility:
            return None
        base = 10 if self.orig_type is kconfiglib.INT else 16
        for low, high, cond in self.ranges:
            if not kconfiglib.expr_value(cond):
                continue
            try:
                number = int(user, base)
                if number < int(low.str_value, base):
                    return str(low.str_value)
                if number > int(high.str_value, base):
                    return str(high.str_value)
            except ValueError:
                return None
            return None
        return None


class ChoiceState:
    """Explicit values of choice members and the per-choice priority lists."""

    def __init__(self) -> None:
        self.user: dict[kconfiglib.Symbol, int] = {}
        self.moved: dict[kconfiglib.Choice, list[kconfiglib.Symbol]] = {}

    def assign(self, sym: kconfiglib.Symbol, value: int) -> None:
        self.user[sym] = value
        front = self.moved.setdefault(sym.choice, [])
        if sym in front:
            front.remove(sym)
        front.insert(0, sym)

    def priority(self, choice: kconfiglib.Choice) -> list[kconfiglib.Symbol]:
        front = self.moved.get(choice, [])
        return front + [s for s in _unique(choice.syms) if s not in front]


def _unique(items: Sequence[kconfiglib.Symbol]) -> list[kconfiglib.Symbol]:
    return list(dict.fromkeys(items))


def prepare(tree: KconfigTree) -> None:
    """Switch the tree's choices to the semantics of its kernel version (once)."""
    kconf = tree.kconfig
    if getattr(kconf, "choice_state", None) is not None:
        return
    kconf.choice_state = ChoiceState()
    version = tree.version_tuple
    implied = ImpliedMSymbol if version >= IMPLY_M_SINCE else ImpliedSymbol
    for sym in kconf.unique_defined_syms:
        if (
            sym.weak_rev_dep is not kconf.n
            and sym.choice is None
            and sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE)
        ):
            sym.__class__ = implied
        elif sym.orig_type in (kconfiglib.INT, kconfiglib.HEX) and version >= INT_HEX_RULES_SINCE:
            sym.__class__ = IntHexSymbol
    if tree.version_tuple >= NEW_CHOICE_SINCE:
        for choice in kconf.unique_choices:
            choice.__class__ = PriorityChoice


def _reset(tree: KconfigTree, keep: Closure | None = None) -> None:
    """No user values, nothing computed: in the whole tree, or within `keep` (what
    lies outside is never read then, whatever state an earlier check left it in)."""
    prepare(tree)
    kconf = tree.kconfig
    if keep is None:
        # Invalidate first: with no cached values left, unsetting a symbol no longer walks
        # what depends on it (16 -> 13 ms of a ~40 ms check, arm). Same end state.
        kconf._invalidate_all()
        kconf.unset_values()
    else:
        _invalidate(keep)
        for sym in keep.ordered:
            sym.user_value = None
        for choice in keep.choices:
            choice.user_value = choice.user_selection = None
    kconf.choice_state = ChoiceState()


def _invalidate(keep: Closure) -> None:
    """Kconfig._invalidate_all() within the closure (a tenth of the symbols)."""
    for sym in keep.ordered:
        sym._invalidate()
    for choice in keep.choices:
        choice._invalidate()


@dataclass(frozen=True)
class Closure:
    """The symbols whose values decide what a set of symbols evaluates to.

    A symbol's value (and whether `conf` writes it) is computed from its own
    user value and the values of what its properties name: dependencies, prompt
    conditions, defaults, ranges, selects and implies (rev_dep, weak_rev_dep),
    its choice and that choice's members, and MODULES (which turns m into y).
    So the closure of a check's symbols under those references, evaluated with
    the user values of its own members, gives them exactly the values a full
    evaluation gives: a config's other ~17000 symbols need not be written,
    read back or computed. A check's requirements reach about 1000 of 18000
    symbols (6.12); what explain reads of an unmet one (blocking terms, what
    selects a blocker, prompt conditions, the choice) lies within it too.
    """

    names: frozenset[str]
    ordered: tuple[kconfiglib.Symbol, ...]  # its symbols in .config order
    choices: tuple[kconfiglib.Choice, ...]
    digest: str  # names the roots in the disk memo of resolved bases


def closure(tree: KconfigTree, roots: Iterable[str]) -> Closure:
    """The closure of the named symbols (names the tree lacks are left out); per tree."""
    wanted = frozenset(roots)
    memo: dict[frozenset[str], Closure] = tree.__dict__.setdefault("_closures", {})
    if wanted in memo:
        return memo[wanted]
    kconf = tree.kconfig
    seen: set[object] = set()
    stack: list[object] = [kconf.modules, *(kconf.syms[n] for n in wanted if n in kconf.syms)]
    while stack:
        item = stack.pop()
        if item in seen:
            continue
        seen.add(item)
        exprs: list[object] = [item.direct_dep]  # type: ignore[attr-defined]
        for node in item.nodes:  # type: ignore[attr-defined]
            exprs.append(node.dep)
            if node.prompt is not None:
                exprs.append(node.prompt[1])
        exprs += [part for default in item.defaults for part in default]  # type: ignore[attr-defined]
        if isinstance(item, kconfiglib.Symbol):
            exprs += [item.rev_dep, item.weak_rev_dep]
            exprs += [part for bounds in item.ranges for part in bounds]
            if item.choice is not None:
                stack.append(item.choice)
        else:  # a choice: which member it selects depends on all of them
            stack += item.syms  # type: ignore[attr-defined]
        for expr in exprs:
            stack += [s for s in kconfiglib.expr_items(expr) if s not in seen]
    ordered = tuple(
        dict.fromkeys(
            node.item
            for node in kconf.node_iter(unique_syms=True)
            if isinstance(node.item, kconfiglib.Symbol) and node.item in seen
        )
    )
    key = "\n".join([_CLOSURE_FORMAT, *sorted(wanted)])
    digest = hashlib.sha256(key.encode()).hexdigest()[:12]
    choices = tuple(c for c in kconf.unique_choices if c in seen)
    memo[wanted] = Closure(frozenset(s.name for s in ordered), ordered, choices, digest)
    return memo[wanted]


def _within(assignments: Sequence[Assignment], keep: Closure | None) -> Sequence[Assignment]:
    if keep is None:
        return assignments
    return [a for a in assignments if a.symbol in keep.names]


def _apply(
    tree: KconfigTree, assignments: Sequence[Assignment], keep: Closure | None = None
) -> None:
    """Give the assignments as user values, in order, as conf_read_simple does (only
    those within `keep`, when given: nothing else reads the others)."""
    assignments = _within(assignments, keep)
    kconf = tree.kconfig
    state: ChoiceState = kconf.choice_state
    # Every line counts, repeats included: before 6.11 a choice member once set to y
    # stays the choice's selection even if a later line sets it to n (C and kconfiglib
    # agree). kconfiglib's duplicate-assignment warning crashes on such a member, so
    # the lines go in as runs without repeats, each run read like a further file.
    warn = kconf.warn
    kconf.warn = False
    try:
        for index, run in enumerate(_runs(assignments)):
            for a in run:
                sym = kconf.syms.get(a.symbol)
                if sym is not None:
                    sym._was_set = False
            kconf.pending_config = "\n".join(a.config_line() for a in run) + "\n"
            # Always after _reset; within a closure that already cleared every user
            # value that is read, and replacing would walk the whole tree twice.
            kconf.load_config(MEMORY_CONFIG, replace=index == 0 and keep is None)
    finally:
        kconf.warn = warn
        kconf.pending_config = ""
    for a in assignments:
        sym = kconf.syms.get(a.symbol)
        if sym is not None and sym.choice is not None and a.value[:1] in ("y", "n"):
            state.assign(sym, 2 if a.value[:1] == "y" else 0)
    if keep is None:
        kconf._invalidate_all()
    else:
        _invalidate(keep)


def _runs(assignments: Sequence[Assignment]) -> list[list[Assignment]]:
    """Consecutive runs in which no symbol repeats."""
    runs: list[list[Assignment]] = [[]]
    seen: set[str] = set()
    for a in assignments:
        if a.symbol in seen:
            runs.append([])
            seen = set()
        runs[-1].append(a)
        seen.add(a.symbol)
    return runs


def written(tree: KconfigTree, file: str, keep: Closure | None = None) -> list[Assignment]:
    """The current values as `conf` writes them to .config, in its order (only the
    symbols of `keep`, when given)."""
    result = []
    skip = tree.transitional
    syms = (
        keep.ordered
        if keep is not None
        else (node.item for node in tree.kconfig.node_iter(unique_syms=True))
    )
    for sym in syms:
        if not isinstance(sym, kconfiglib.Symbol) or sym.name in skip:
            continue
        text = sym.config_string
        if not text:
            continue
        line = text.rstrip("\n")
        if line.startswith("# "):
            result.append(Assignment(sym.name, "n", file, 0, "n"))
        else:
            raw = line.split("=", 1)[1]
            value = sym.str_value
            result.append(Assignment(sym.name, value, file, 0, raw))
    return result


def _allnoconfig(tree: KconfigTree) -> None:
    """Every prompted bool/tristate the user left unset becomes n (choice members excepted)."""
    kconf = tree.kconfig
    names = []
    for node in kconf.node_iter():
        sym = node.item
        if (
            isinstance(sym, kconfiglib.Symbol)
            and node.prompt is not None
            and sym.user_value is None
            and sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE)
            and sym.choice is None
        ):
            names.append(sym.name)
    unique = list(dict.fromkeys(names))
    # Not through _apply: the C tools set these without moving choice priorities.
    for name in unique:
        kconf.syms[name].set_value(0)
    kconf._invalidate_all()


def _tree_file(tree: KconfigTree, rel: str) -> Path:
    return tree.root / rel


def merge(merged: Sequence[Assignment], fragment: Sequence[Assignment]) -> list[Assignment]:
    """merge_config.sh -m: every symbol the fragment names leaves the merged lines,
    then the fragment's lines are appended (so order, which choices heed, is its)."""
    named = {a.symbol for a in fragment}
    return [a for a in merged if a.symbol not in named] + list(fragment)


def _resolve(
    tree: KconfigTree, assignments: Sequence[Assignment], file: str, keep: Closure | None = None
) -> list[Assignment]:
    """`make olddefconfig` of these lines: the .config it writes (its `keep` lines)."""
    _reset(tree, keep)
    _apply(tree, assignments, keep)
    return written(tree, file, keep)


def _base_assignments(
    tree: KconfigTree, base: Base, lines: list[Assignment], keep: Closure | None = None
) -> list[Assignment]:
    """Resolve the base alone and return it as written (what `make BASE` leaves in .config;
    with `keep`, its lines for those symbols).

    `lines` receives the base files' own assignments, with their true positions.
    """
    _reset(tree, keep)
    if base.kind == "config":
        assert base.path is not None
        lines.extend(read_config(base.path))
        return list(_within(lines, keep))
    if base.kind in ("allnoconfig", "tinyconfig"):
        return _no_config(tree, base.kind, keep)
    if base.kind == "defconfig":
        current: list[Assignment] = []
        for name in base.name.split():
            current = _make_target(tree, name, current, lines, 0, keep)
        return current
    raise UserError(f"unknown base {base.kind!r}")


def _make_target(
    tree: KconfigTree,
    name: str,
    current: list[Assignment],
    lines: list[Assignment],
    depth: int,
    keep: Closure | None = None,
) -> list[Assignment]:
    """What `make NAME` leaves in .config, starting from the .config `current`."""
    root, srcarch = tree.root, tree.arch.srcarch
    if depth > 8:
        raise UserError(
            f"make {name}: the arch Makefile's config targets call each other without end",
            key="defconfig",
        )
    recipe = arch_recipes(root, srcarch).get(name)
    configs = root / "arch" / srcarch / "configs"
    if isinstance(recipe, Targets):
        for step in recipe.names:
            current = _make_target(tree, step, current, lines, depth + 1, keep)
        return current
    if isinstance(recipe, MergeInto):
        own = read_config(configs / recipe.base, shown=str(configs / recipe.base))
        lines.extend(own)
        merged = list(own)
        for fragment in recipe.fragments:
            path = configs / f"{fragment}.config"
            merged = merge(merged, read_config(path, shown=str(path)))
        return _resolve(tree, merged, name, keep)
    if name in ("tinyconfig", "allnoconfig"):
        return _no_config(tree, name, keep)
    if name == "defconfig":
        chosen = kbuild_defconfig(root, srcarch, tree.arch.kernel_arch)
        if chosen != "defconfig" and not (configs / chosen).is_file():
            return _make_target(tree, chosen, current, lines, depth + 1, keep)
    if name.endswith(".config") and name != ".config":
        files = fragment_files(root, srcarch, name)
        if not files:
            raise UserError(
                f"make {name}: no kernel/configs/{name} or arch/{srcarch}/configs/"
                f"{name} in this tree",
                key="defconfig",
            )
        merged = list(current)
        for path in files:
            merged = merge(merged, read_config(path, shown=str(path)))
        return _resolve(tree, merged, name, keep)
    path = find_defconfig(tree, name)
    own = read_config(path, shown=str(path))
    lines.extend(own)
    return _resolve(tree, own, f"{name} (resolved)", keep)


def _no_config(tree: KconfigTree, kind: str, keep: Closure | None = None) -> list[Assignment]:
    """`make allnoconfig`, or `make tinyconfig` (allnoconfig seeded with tiny-base.config,
    then tiny.config merged and resolved)."""
    _reset(tree, keep)
    if kind == "tinyconfig":
        seed = _tree_file(tree, "kernel/configs/tiny-base.config")
        if seed.is_file():
            _apply(tree, read_config(seed))
    _allnoconfig(tree)
    first = written(tree, "allnoconfig", keep)
    if kind == "allnoconfig":
        return first
    merged = list(first)
    for path in fragment_files(tree.root, tree.arch.srcarch, "tiny.config"):
        merged = merge(merged, read_config(path, shown=str(path.relative_to(tree.root))))
    return _resolve(tree, merged, "tinyconfig", keep)


def find_defconfig(tree: KconfigTree, name: str) -> Path:
    """arch/$SRCARCH/configs/NAME; `defconfig` is the arch's KBUILD_DEFCONFIG."""
    configs = tree.root / "arch" / tree.arch.srcarch / "configs"
    candidates = [configs / name]
    if name == "defconfig":
        chosen = kbuild_defconfig(tree.root, tree.arch.srcarch, tree.arch.kernel_arch)
        candidates = [configs / chosen, configs / name]
    for path in candidates:
        if path.is_file():
            return path
    known = ", ".join([*tree.defconfigs()[:12], *arch_targets(tree.root, tree.arch.srcarch)])
    raise UserError(
        f"no defconfig {name!r} in arch/{tree.arch.srcarch}/configs nor a config target of "
        f"arch/{tree.arch.srcarch}/Makefile (there: {known} ...)",
        key="defconfig",
    )


def _base_key(tree: KconfigTree, base: Base) -> tuple[object, ...]:
    if base.path is None:
        return (base.kind, base.name)
    try:
        st = base.path.stat()
    except OSError:
        return (base.kind, base.name, None)  # read_config reports it
    return (base.kind, str(base.path.resolve()), st.st_size, st.st_mtime_ns)


def _disk_memo(tree: KconfigTree, base: Base, keep: Closure | None) -> Path | None:
    """Where a base of the tree itself (defconfig, tinyconfig, allnoconfig) is cached."""
    if tree.cache_path is None or base.kind == "config":
        return None
    name = re.sub(r"[^A-Za-z0-9_.-]", "_", f"{base.kind}-{base.name}")
    part = f"-within-{keep.digest}" if keep is not None else ""
    return tree.cache_path.with_suffix(".bases") / f"{_BASE_FORMAT}-{name}{part}.json"


def _rows(assignments: list[Assignment]) -> list[list[object]]:
    return [[a.symbol, a.value, a.file, a.line, a.raw] for a in assignments]


def _load_memo(path: Path) -> tuple[list[Assignment], list[Assignment]] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return tuple(  # type: ignore[return-value]
            [Assignment(str(s), str(v), str(f), int(n), str(r)) for s, v, f, n, r in data[part]]
            for part in ("lines", "written")
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save_memo(path: Path, lines: list[Assignment], assignments: list[Assignment]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(
        json.dumps({"lines": _rows(lines), "written": _rows(assignments)}), encoding="utf-8"
    )
    os.replace(tmp, path)


def resolved_base(
    tree: KconfigTree, base: Base, keep: Closure | None = None
) -> tuple[list[Assignment], list[Assignment]]:
    """(the base files' own lines, the base as written, or its `keep` lines); remembered
    per tree and base, in memory and, for the tree's own bases, on disk beside the
    parsed tree."""
    memo: dict[tuple[object, ...], tuple[list[Assignment], list[Assignment]]]
    memo = tree.__dict__.setdefault("_base_memo", {})
    key = (*_base_key(tree, base), keep.digest if keep is not None else None)
    if key in memo:
        return memo[key]
    lines: list[Assignment] = []
    disk = _disk_memo(tree, base, keep)
    cached = _load_memo(disk) if disk is not None else None
    if cached is not None:
        prepare(tree)
        memo[key] = cached
        return memo[key]
    written_base = _base_assignments(tree, base, lines, keep)
    if disk is not None:
        _save_memo(disk, lines, written_base)
    memo[key] = (lines, written_base)
    return memo[key]


def evaluate(
    tree: KconfigTree,
    base: Base,
    fragments: Sequence[Path | str] = (),
    extra: Sequence[Assignment] = (),
    *,
    values: bool = True,
    only: Iterable[str] | None = None,
) -> Evaluation:
    """Base + fragments in order (+ extra assignments, e.g. a fix) -> the final values.

    The parsed tree is left in the evaluated state, for explain and fix to read.
    values=False skips writing out every symbol (checks read the tree state instead);
    Evaluation.values is then empty. With `only` as well (the symbols the caller
    reads), only their Closure is evaluated, in the base and in the final config:
    they and everything within it have their true values, the rest of the tree is
    left unevaluated (a batch check costs a tenth as much), and
    Evaluation.assignments holds the base's lines within the closure only.
    """
    keep = closure(tree, only) if only is not None and not values else None
    fragment_assignments: list[Assignment] = []
    for fragment in fragments:
        fragment_assignments.extend(read_config(Path(fragment)))
    fragment_assignments.extend(extra)
    base_lines, base_assignments = resolved_base(tree, base, keep)
    merged = list(base_assignments)
    for fragment in fragments:
        merged = merge(merged, read_config(Path(fragment)))
    if extra:
        merged = merge(merged, list(extra))
    _reset(tree, keep)
    _apply(tree, merged, keep)
    final = written(tree, "final") if values else []
    final_values = {a.symbol: a.value if a.value == "n" else a.raw for a in final}
    requested: dict[str, Assignment] = {}
    overridden: list[tuple[Assignment, Assignment]] = []
    unknown: list[Assignment] = []
    syms = tree.kconfig.syms
    for a in fragment_assignments:
        sym = syms.get(a.symbol)
        if sym is None or not sym.nodes:
            unknown.append(a)
        if a.symbol in requested and requested[a.symbol].value != a.value:
            overridden.append((requested[a.symbol], a))
        requested[a.symbol] = a
    return Evaluation(
        values=final_values,
        assignments=[*base_assignments, *fragment_assignments],
        fragment_assignments=fragment_assignments,
        requested=requested,
        overridden=overridden,
        unknown=unknown,
        base_lines=list(base_lines),
    )
