"""The closing lines of a verify run: one line per scenario (verdict, boots, checks,
wall time) and the totals, so a long `--all` run ends with what it proved."""

from __future__ import annotations

from collections.abc import Sequence

from kdumplayer.verify.scenarios import Outcome


def verdict(outcome: Outcome) -> str:
    if outcome.unproven:
        return "NOT PROVEN"
    return "PASS" if outcome.ok else "FAIL"


def summary_lines(outcomes: Sequence[Outcome]) -> list[str]:
    """The summary of `outcomes` (one board, one init system, in run order)."""
    if not outcomes:
        return []
    first = outcomes[0]
    head = f"verify summary: {first.board}, init {first.init or 'busybox'}"
    if not first.unproven:
        head += f", {first.kernel}, QEMU {first.accel or '?'}"
    width = max(len(o.scenario) for o in outcomes)
    lines = [head]
    for o in outcomes:
        if o.unproven:
            lines.append(f"  {verdict(o):<10} {o.scenario:<{width}}  nothing booted")
            continue
        failed = len(o.failed())
        checks = f"{len(o.checks) - failed}/{len(o.checks)} checks"
        lines.append(
            f"  {verdict(o):<10} {o.scenario:<{width}}  {len(o.runs):2d} boots"
            f"  {checks:>14}  {o.seconds:6.0f} s"
        )
    counts = {v: sum(verdict(o) == v for o in outcomes) for v in ("PASS", "FAIL", "NOT PROVEN")}
    total = sum(o.seconds for o in outcomes)
    lines.append(
        f"  {len(outcomes)} scenarios: {counts['PASS']} PASS, {counts['FAIL']} FAIL, "
        f"{counts['NOT PROVEN']} NOT PROVEN; wall time {total:.0f} s"
    )
    return lines
