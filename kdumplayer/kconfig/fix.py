"""Compute what to add so every requirement that can be met is met, and verify it.

Planning walks the parsed tree in its evaluated state: a symbol with a
prompt gets an assignment once its dependency and prompt condition are made
true (recursively; for `A || B` the first operand that can be satisfied); a
symbol without a prompt needs one of its selectors (or a default's condition)
made true. A term that cannot be changed (a promptless arch gate such as
ARCH_SUPPORTS_KEXEC [=n], a symbol this arch lacks) makes the requirement
unfixable, with that term as the reason. The plan is applied after the
fragments and re-evaluated; rounds repeat until nothing changes, and the
final CheckResult is the proof.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import kconfiglib
from kconfiglib import AND, EQUAL, NOT, OR, UNEQUAL, expr_value

from kdumplayer.kconfig.configfile import Assignment, config_value_text
from kdumplayer.kconfig.evaluate import Base, evaluate
from kdumplayer.kconfig.explain import check, explain_symbol, judge, satisfied, term
from kdumplayer.kconfig.result import CheckResult
from kdumplayer.requirements import Requirement, select

if TYPE_CHECKING:
    from kdumplayer.kconfig.tree import KconfigTree

FIX_FILE = "<fix>"
_MAX_ROUNDS = 6
_MAX_DEPTH = 12


@dataclass(frozen=True)
class FixAssignment:
    symbol: str
    value: str
    reason: str  # which requirement needs it, and through what


@dataclass(frozen=True)
class Unfixable:
    requirement: Requirement
    why: str


@dataclass(frozen=True)
class Fix:
    assignments: tuple[FixAssignment, ...]
    unfixable: tuple[Unfixable, ...]
    verified: CheckResult  # base + fragments + the fix, evaluated again
    kernel_version: str
    arch: str

    @property
    def text(self) -> str:
        """The fix as a commented .cfg fragment."""
        lines = [
            f"# kdump fix fragment for Linux {self.kernel_version} ({self.arch}), "
            "computed and verified by kdumplayer",
        ]
        for u in self.unfixable:
            lines.append(f"# cannot be met here: CONFIG_{u.requirement.symbol}: {u.why}")
        for a in self.assignments:
            lines.append(f"# {a.reason}")
            lines.append(
                f"# CONFIG_{a.symbol} is not set"
                if a.value == "n"
                else f"CONFIG_{a.symbol}={a.value}"
            )
        return "\n".join(lines) + "\n"


class _Blocked(Exception):
    """This term cannot be made true here; the message names it with its value."""


class _Planner:
    def __init__(self, tree: KconfigTree) -> None:
        self.kconf = tree.kconfig

    def need(
        self, sym: kconfiglib.Symbol, want: str, depth: int, why: str
    ) -> list[tuple[str, str, str]]:
        """Assignments that make `sym` take `want` (y, m, n or a literal)."""
        if depth > _MAX_DEPTH:
            raise _Blocked(f"dependency chain too deep at {sym.name}")
        if not sym.nodes:
            raise _Blocked(f"{sym.name} is not defined in this kernel")
        if satisfied(sym.str_value, want):
            return []
        if want == "n":
            return self._need_off(sym, depth, why)
        level = 1 if want == "m" else 2
        prompts = [n for n in sym.nodes if n.prompt is not None]
        if prompts:
            errors = []
            for node in prompts:
                try:
                    plan = self.expr(
                        node.prompt[1],
                        level if want in ("y", "m") else 1,
                        depth + 1,
                        f"{why}; {sym.name} depends on it",
                    )
                except _Blocked as exc:
                    errors.append(str(exc))
                    continue
                return [*plan, (sym.name, want, why)]
            raise _Blocked("; ".join(dict.fromkeys(errors)))
        if want not in ("y", "m"):
            raise _Blocked(f"{sym.name} has no prompt, so its value cannot be set")
        errors = []
        for selector in kconfiglib.split_expr(sym.rev_dep, OR):
            if selector is self.kconf.n:
                continue
            try:
                return self.expr(selector, level, depth + 1, f"{why}; selects {sym.name}")
            except _Blocked as exc:
                errors.append(str(exc))
        for default, cond in sym.defaults:
            reason = f"{why}; makes {sym.name} default y"
            try:
                return [
                    *self.expr(default, level, depth + 1, reason),
                    *self.expr(cond, level, depth + 1, reason),
                ]
            except _Blocked as exc:
                errors.append(str(exc))
        if not errors:
            raise _Blocked(f"{sym.name} [={sym.str_value}] has no prompt and nothing selects it")
        raise _Blocked("; ".join(dict.fromkeys(errors)))

    def _need_off(self, sym: kconfiglib.Symbol, depth: int, why: str) -> list[tuple[str, str, str]]:
        plan: list[tuple[str, str, str]] = []
        for selector in kconfiglib.split_expr(sym.rev_dep, OR):
            if expr_value(selector):
                first = next(iter(kconfiglib.split_expr(selector, AND)))
                reason = f"{why}; {expr_str(selector)} selects {sym.name}"
                plan += self.negate(first, depth + 1, reason)
        if any(n.prompt is not None for n in sym.nodes):
            plan.append((sym.name, "n", why))
        elif expr_value(sym.direct_dep):
            raise _Blocked(f"{sym.name} [={sym.str_value}] has no prompt; its default keeps it on")
        return plan

    def negate(self, expr: object, depth: int, why: str) -> list[tuple[str, str, str]]:
        if isinstance(expr, kconfiglib.Symbol):
            return self.need(expr, "n", depth, why)
        if isinstance(expr, tuple) and expr[0] is NOT:
            return self.expr(expr[1], 2, depth, why)
        raise _Blocked(f"cannot turn off {term(expr)}")

    def expr(self, expr: object, level: int, depth: int, why: str) -> list[tuple[str, str, str]]:
        """Assignments that make the expression reach `level` (1 = m, 2 = y)."""
        if expr_value(expr) >= level:
            return []
        if isinstance(expr, kconfiglib.Symbol):
            if expr.is_constant or not expr.nodes:
                raise _Blocked(
                    f"{term(expr)}: not defined on this arch"
                    if not expr.is_constant
                    else f"depends on {expr.name}"
                )
            return self.need(expr, "y" if level == 2 else "m", depth, why)
        if isinstance(expr, kconfiglib.Choice):
            # A member depends on its choice: make the choice visible.
            errors = []
            for node in expr.nodes:
                if node.prompt is None:
                    continue
                try:
                    return self.expr(node.prompt[1], level, depth + 1, why)
                except _Blocked as exc:
                    errors.append(str(exc))
            raise _Blocked("; ".join(errors) or "a choice without a prompt")
        assert isinstance(expr, tuple)  # an operator node: (op, operand, operand)
        op = expr[0]
        if op is AND:
            return [*self.expr(expr[1], level, depth, why), *self.expr(expr[2], level, depth, why)]
        if op is OR:
            try:
                return self.expr(expr[1], level, depth, why)
            except _Blocked as first:
                try:
                    return self.expr(expr[2], level, depth, why)
                except _Blocked as second:
                    raise _Blocked(f"{first}; {second}") from None
        if op is NOT:
            return self.negate(expr[1], depth, why)
        if op in (EQUAL, UNEQUAL):
            left, right = expr[1], expr[2]
            if isinstance(left, kconfiglib.Symbol) and left.nodes and right.is_constant:
                if op is EQUAL:
                    return self.need(left, right.name, depth, why)
                if right.name == "n":
                    return self.need(left, "y", depth, why)
        raise _Blocked(f"{term(expr)}")


def expr_str(expr: object) -> str:
    return kconfiglib.expr_str(expr)


def _plan_requirement(planner: _Planner, req: Requirement) -> list[tuple[str, str, str]]:
    why = f"for {req.symbol} ({'/'.join(req.roles)}): {req.reason}"
    kconf = planner.kconf
    attempts: list[list[tuple[str, str]]] = []
    if req.set:
        attempts.append(list(req.set))
    attempts += [[(name, req.value)] for name in req.symbols]
    errors = []
    for attempt in attempts:
        try:
            plan: list[tuple[str, str, str]] = []
            for name, value in attempt:
                sym = kconf.syms.get(name)
                if sym is None:
                    raise _Blocked(f"{name} is not defined in this kernel")
                plan += planner.need(sym, value, 0, why)
            return plan
        except _Blocked as exc:
            errors.append(str(exc))
    raise _Blocked("; ".join(dict.fromkeys(errors)))


def _assignment(tree: KconfigTree, name: str, value: str, index: int) -> Assignment:
    sym = tree.kconfig.syms[name]
    kind = kconfiglib.TYPE_TO_STR[sym.orig_type]
    return Assignment(name, value, FIX_FILE, index, config_value_text(kind, value))


def _met(
    tree: KconfigTree,
    base: Base,
    fragments: Sequence[Path | str],
    reqs: Sequence[Requirement],
    chosen: dict[str, tuple[str, str]],
) -> frozenset[int]:
    extra = [_assignment(tree, s, v, i + 1) for i, (s, (v, _r)) in enumerate(chosen.items())]
    result = check(tree, base, fragments, reqs, extra)
    return frozenset(i for i, item in enumerate(result.items) if item.met)


def _pruned(
    tree: KconfigTree,
    base: Base,
    fragments: Sequence[Path | str],
    reqs: Sequence[Requirement],
    chosen: dict[str, tuple[str, str]],
) -> dict[str, tuple[str, str]]:
    """Drop assignments the result does not need (one planned path may be superseded by
    another, e.g. HIGHMEM64G chosen for a dependency, then HIGHMEM4G for its requirement)."""
    if not chosen:
        return chosen
    target = _met(tree, base, fragments, reqs, chosen)
    kept = dict(chosen)
    for name in list(chosen):
        trial = {k: v for k, v in kept.items() if k != name}
        if _met(tree, base, fragments, reqs, trial) >= target:
            kept = trial
    return kept


def compute_fix(
    tree: KconfigTree,
    base: Base,
    fragments: Sequence[Path | str] = (),
    requirements: Sequence[Requirement] | None = None,
) -> Fix:
    """Assignments to add after the fragments so every requirement that can be met is met."""
    reqs = tuple(requirements) if requirements is not None else select(tree.arch.name, tree.version)
    planner = _Planner(tree)
    chosen: dict[str, tuple[str, str]] = {}  # symbol -> (value, reason), in order
    blocked: dict[Requirement, str] = {}
    for _ in range(_MAX_ROUNDS):
        extra = [_assignment(tree, s, v, i + 1) for i, (s, (v, _r)) in enumerate(chosen.items())]
        evaluation = evaluate(tree, base, fragments, extra, values=False)
        changed = False
        for req in reqs:
            if req in blocked or judge(tree, evaluation, req).met:
                continue
            try:
                plan = _plan_requirement(planner, req)
            except _Blocked as exc:
                blocked[req] = str(exc)
                continue
            for name, value, why in plan:
                if chosen.get(name, (None,))[0] != value:
                    chosen.pop(name, None)  # a later decision moves to the end
                    chosen[name] = (value, why)
                    changed = True
        if not changed:
            break
    chosen = _pruned(tree, base, fragments, reqs, chosen)
    extra = [_assignment(tree, s, v, i + 1) for i, (s, (v, _r)) in enumerate(chosen.items())]
    verified = check(tree, base, fragments, reqs, extra)
    evaluation = evaluate(tree, base, fragments, extra, values=False)
    unfixable = []
    for item in verified.items:
        if item.met:
            continue
        why = blocked.get(item.requirement) or " ".join(
            explain_symbol(tree, evaluation, item.symbol, item.wanted).lines()[:2]
        )
        unfixable.append(Unfixable(item.requirement, why))
    # Keep only what is still needed: assignments whose value the result has anyway stay
    # (they document the decision), ones that do nothing are dropped.
    kept = tuple(FixAssignment(s, v, r) for s, (v, r) in chosen.items())
    return Fix(kept, tuple(unfixable), verified, tree.version, tree.arch.name)
