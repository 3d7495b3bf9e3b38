"""Check requirements against an evaluation, and explain every one that did not take.

For an unmet symbol: the direct dependency with each term's value (as the C
tools print it: `KEXEC_CORE [=n]`), the AND terms that block it, a hidden
prompt, the symbols that select it, the choice that resolved elsewhere, and
fragment values overridden by a later fragment. For an absent symbol: the
closest names in this tree and the known renames (kconfig-fragments/renames.yaml).
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

import kconfiglib
from kconfiglib import AND, OR, TRI_TO_STR, expr_str, expr_value, split_expr

from kdumplayer.findings import Location
from kdumplayer.kconfig.configfile import Assignment, header_of_file
from kdumplayer.kconfig.evaluate import Base, Evaluation, evaluate
from kdumplayer.kconfig.result import (
    CheckResult,
    Explanation,
    RequirementResult,
    Status,
    Term,
)
from kdumplayer.paths import FRAGMENTS_DIR
from kdumplayer.requirements import Requirement, select
from kdumplayer.version import parse_version
from kdumplayer.yamlsrc import load

if TYPE_CHECKING:
    from kdumplayer.kconfig.tree import KconfigTree

RENAMES_FILE = FRAGMENTS_DIR / "renames.yaml"


@dataclass(frozen=True)
class Rename:
    old: str
    new: tuple[str, ...]
    version: str
    note: str


@cache
def renames() -> tuple[Rename, ...]:
    doc = load(RENAMES_FILE)
    return tuple(
        Rename(r["old"], tuple(r["new"]), str(r["version"]), r.get("note", ""))
        for r in doc.data["renames"]
    )


def known_renames(name: str) -> tuple[str, ...]:
    """What `name` became (or came from), with the version, e.g. 'VMCORE_INFO (6.9)'."""
    found = []
    for r in renames():
        if r.old == name:
            found += [f"{n} (since {r.version}: {r.note})" for n in r.new if n != name]
        elif name in r.new:
            found.append(f"{r.old} (before {r.version}: {r.note})")
    return tuple(found)


def closest(tree: KconfigTree, name: str, count: int) -> tuple[str, ...]:
    """The defined names closest to `name`, remembered per tree: difflib over ~17000
    names costs ~0.1 s a call, and a batch meets the same unknown fragment symbols
    in every config (it was half of a check's time)."""
    memo: dict[tuple[str, int], tuple[str, ...]] = tree.__dict__.setdefault("_closest", {})
    if (name, count) not in memo:
        names = [s.name for s in tree.kconfig.unique_defined_syms]
        memo[name, count] = tuple(difflib.get_close_matches(name, names, n=count, cutoff=0.6))
    return memo[name, count]


def _value_str(sc: object) -> str:
    if isinstance(sc, kconfiglib.Symbol) and not sc.is_constant:
        if not sc.nodes:  # undefined: a number written bare, or a symbol of another arch (n)
            return sc.name if _is_number(sc.name) else f"{sc.name} [=n]"
        return f"{sc.name} [={sc.str_value}]"
    if isinstance(sc, kconfiglib.Choice):
        prompt = next((n.prompt[0] for n in sc.nodes if n.prompt), "")
        return f"<choice {prompt!r}>" if prompt else "<choice>"
    return sc.name if isinstance(sc, kconfiglib.Symbol) else str(sc)


def term(expr: object) -> Term:
    """An expression operand with its value."""
    names = tuple(
        s.name
        for s in kconfiglib.expr_items(expr)
        if isinstance(s, kconfiglib.Symbol) and not s.is_constant
    )
    return Term(expr_str(expr), TRI_TO_STR[expr_value(expr)], names, expr_str(expr, _value_str))


def _is_number(text: str) -> bool:
    try:
        int(text, 0)
    except ValueError:
        return False
    return True


def _level_of(value: str) -> int:
    return {"n": 0, "m": 1, "y": 2}[value]


def _line(name: str, value: str) -> str:
    return f"# CONFIG_{name} is not set" if value == "n" else f"CONFIG_{name}={value}"


def _needed_level(wanted: str) -> int:
    return 1 if wanted == "m" else 2 if wanted in ("y", "n") else 1


def final_value(tree: KconfigTree, evaluation: Evaluation, name: str) -> str | None:
    """The final value of a symbol (unquoted); None when the tree does not define it."""
    sym = tree.kconfig.syms.get(name)
    if sym is None or not sym.nodes:
        return None
    if sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE):
        return sym.str_value  # "n" also when the .config leaves it out
    return sym.str_value if sym.config_string else None


def satisfied(final: str | None, wanted: str) -> bool:
    if final is None:
        return wanted == "n"
    if final == wanted:
        return True
    try:
        return int(final, 0) == int(wanted, 0)
    except ValueError:
        return False


def explain_symbol(
    tree: KconfigTree, evaluation: Evaluation, name: str, wanted: str
) -> Explanation:
    """Why `name` is not `wanted` in the evaluated tree (the tree holds that state)."""
    kconf = tree.kconfig
    sym = kconf.syms.get(name)
    overridden = tuple((e, la) for e, la in evaluation.overridden if e.symbol == name)
    if sym is None or not sym.nodes:
        return Explanation(
            summary=f"{name} is not defined in this kernel ({tree.version}, {tree.arch.name})",
            closest=closest(tree, name, 4),
            renamed=known_renames(name),
            overridden=overridden,
        )
    level = _needed_level(wanted)
    final = final_value(tree, evaluation, name)
    requested = evaluation.requested.get(name)
    if requested is not None and requested.value != final:
        summary = f"{name}: {requested.where} sets {requested.value}, final value {final}"
    else:
        summary = f"{name} is {final}, kdump needs {wanted}"
    if (
        sym.visibility
        and sym.orig_type in (kconfiglib.BOOL, kconfiglib.TRISTATE)
        and (wanted in ("y", "m", "n") and _level_of(wanted) in sym.assignable)
    ):
        summary += f" (settable here: add {_line(name, wanted)})"
    deps = sym.direct_dep
    blocking: tuple[Term, ...] = ()
    if wanted != "n":
        blocking = tuple(term(t) for t in split_expr(deps, AND) if expr_value(t) < level)
    detail = []
    for part in split_expr(deps, AND):
        if isinstance(part, kconfiglib.Choice) and expr_value(part) < level:
            cdeps = part.direct_dep
            detail.append(
                f"{_value_str(part)} is not visible: depends on "
                f"[{TRI_TO_STR[expr_value(cdeps)]}] {expr_str(cdeps, _value_str)}"
            )
    for t in blocking:
        if len(t.symbols) != 1 or t.text != t.symbols[0]:
            continue
        blocker = kconf.syms.get(t.symbols[0])
        if blocker is None or not blocker.nodes:
            detail.append(
                f"{t.symbols[0]} is not defined for {tree.arch.name}: this arch does not offer it"
            )
            continue
        if any(n.prompt for n in blocker.nodes):
            continue
        selectors = [term(s) for s in split_expr(blocker.rev_dep, OR) if s is not kconf.n]
        how = [f"selected by {', '.join(str(s) for s in selectors)}"] if selectors else []
        how += [
            f"default {term(value)}" + ("" if cond is kconf.y else f" if {term(cond)}")
            for value, cond in blocker.defaults
        ]
        detail.append(
            f"{blocker.name} has no prompt; " + ("; ".join(how) if how else "nothing selects it")
        )
    prompt_nodes = [node for node in sym.nodes if node.prompt is not None]
    hidden: list[Term] = []
    if wanted != "n" and prompt_nodes and not sym.visibility:
        dep_text = {t.text for t in blocking}
        for node in prompt_nodes:
            for part in split_expr(node.prompt[1], AND):
                t = term(part)
                if expr_value(part) < level and t.text not in dep_text:
                    hidden.append(t)
    selected_by = tuple(term(t) for t in split_expr(sym.rev_dep, OR) if t is not kconf.n)
    choice = selection = ""
    if sym.choice is not None:
        cnode = sym.choice.nodes[0]
        choice = cnode.prompt[0] if cnode.prompt else "<choice>"
        chosen = sym.choice.selection
        selection = chosen.name if chosen is not None else ""
    return Explanation(
        summary=summary,
        depends=expr_str(deps, _value_str) if deps is not kconf.y else "",
        depends_value=TRI_TO_STR[expr_value(deps)] if deps is not kconf.y else "",
        blocking=blocking,
        blocking_detail=tuple(detail),
        prompt=bool(prompt_nodes),
        prompt_condition=tuple(dict.fromkeys(hidden)),
        selected_by=selected_by,
        choice=choice,
        choice_selection=selection,
        defined_at=tuple(Location(n.filename, n.linenr) for n in sym.nodes),
        overridden=overridden,
    )


def _requested(evaluation: Evaluation, name: str) -> Assignment | None:
    if name in evaluation.requested:
        return evaluation.requested[name]
    for a in reversed(evaluation.base_lines):
        if a.symbol == name:
            return a
    return None


def judge(tree: KconfigTree, evaluation: Evaluation, req: Requirement) -> RequirementResult:
    """Met, unmet or absent, with the evidence."""
    kconf = tree.kconfig
    finals = {name: final_value(tree, evaluation, name) for name in req.symbols}
    for name in req.symbols:
        if satisfied(finals[name], req.value):
            return RequirementResult(
                req, Status.MET, name, req.value, finals[name], _requested(evaluation, name)
            )
    defined = [n for n in req.symbols if n in kconf.syms and kconf.syms[n].nodes]
    name = defined[0] if defined else req.symbol
    status = Status.UNMET if defined else Status.ABSENT
    explanation = explain_symbol(tree, evaluation, name, req.value)
    related = []
    for other, value in req.set:  # what the fragment writes instead (a choice member)
        if other != name and not satisfied(final_value(tree, evaluation, other), value):
            lines = explain_symbol(tree, evaluation, other, value).lines()
            related += [f"via {other}: {line}" for line in lines if "defined at" not in line]
    if related:
        explanation = dataclasses.replace(explanation, related=tuple(related))
    return RequirementResult(
        req,
        status,
        name,
        req.value,
        finals.get(name),
        _requested(evaluation, name),
        explanation,
    )


def results(
    tree: KconfigTree, evaluation: Evaluation, requirements: Sequence[Requirement]
) -> tuple[RequirementResult, ...]:
    return tuple(judge(tree, evaluation, req) for req in requirements)


def fragment_notes(tree: KconfigTree, evaluation: Evaluation) -> tuple[str, ...]:
    """Fragment lines that do nothing here: unknown symbols and overridden values."""
    notes = []
    for a in evaluation.unknown:
        hints = [*known_renames(a.symbol), *closest(tree, a.symbol, 3)]
        hint = f" (closest: {', '.join(hints)})" if hints else ""
        notes.append(f"{a.where}: CONFIG_{a.symbol} is not defined in this kernel{hint}")
    for earlier, later in evaluation.overridden:
        notes.append(
            f"{earlier.where}: CONFIG_{earlier.symbol}={earlier.value} is overridden by "
            f"{later.where} ({later.value})"
        )
    return tuple(notes)


def base_notes(tree: KconfigTree, base: Base, evaluation: Evaluation) -> tuple[str, ...]:
    """A config base written for another kernel version, and its symbols this tree lacks
    (kconfig drops them without a word)."""
    if base.kind != "config" or base.path is None:
        return ()
    syms = tree.kconfig.syms
    dropped = list(
        dict.fromkeys(
            a.symbol
            for a in evaluation.base_lines
            if a.symbol not in syms or not syms[a.symbol].nodes
        )
    )
    shown = ", ".join(dropped[:8]) + (" ..." if len(dropped) > 8 else "")
    what = (
        (f"{len(dropped)} of its symbols are not defined in this kernel and were dropped ({shown})")
        if dropped
        else ""
    )
    header = header_of_file(base.path)
    if header is not None and parse_version(header.version)[:2] != tree.version_tuple[:2]:
        return (
            f"{base.path}:{header.line}: its header names Linux {header.version}; it is "
            f"evaluated on the Kconfig of Linux {tree.version}" + (f": {what}" if what else ""),
        )
    return (f"{base.path}: {what}",) if dropped else ()


def check(
    tree: KconfigTree,
    base: Base,
    fragments: Sequence[Path | str] = (),
    requirements: Sequence[Requirement] | None = None,
    extra: Sequence[Assignment] = (),
    *,
    whole: bool = False,
) -> CheckResult:
    """Evaluate base + fragments and judge every requirement (default: the kdump data).

    Only what the requirements' symbols depend on is evaluated (evaluate.Closure);
    whole=True evaluates every symbol (the same result: a test compares).
    """
    reqs = tuple(requirements) if requirements is not None else select(tree.arch.name, tree.version)
    reached = {name for req in reqs for name in req.symbols}
    reached |= {name for req in reqs for name, _value in req.set}
    evaluation = evaluate(
        tree, base, fragments, extra, values=False, only=None if whole else reached
    )
    return CheckResult(
        kernel_version=tree.version,
        arch=tree.arch.name,
        probes=tree.probes,
        base=base.describe(),
        fragments=tuple(str(f) for f in fragments),
        items=results(tree, evaluation, reqs),
        unknown=tuple(evaluation.unknown),
        overridden=tuple(evaluation.overridden),
        notes=base_notes(tree, base, evaluation) + fragment_notes(tree, evaluation),
    )
