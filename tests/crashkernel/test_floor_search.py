"""The floor search (kdumplayer.verify.floor.search): bracketing from a hint and
bisecting to 2M finds the threshold, boots each size once, and says when nothing
up to the ceiling works. The boots are replaced by a threshold: the search's
arithmetic is what is tested here (the boots themselves run in `make floor`)."""

from __future__ import annotations

import pytest

from kdumplayer.verify import floor

M = 1 << 20


@pytest.mark.parametrize(
    ("threshold", "hint", "most_boots"),
    [
        (22 * M, 24 * M, 3),  # x86_64 gold: 24 ok, 20 fails, 22 ok
        (22 * M, 18 * M, 3),  # from below: 18 fails, 22 ok, 20 fails
        (80 * M, 24 * M, 9),  # a hint far below: 24 28 36 52 84, then 68 76 80 78
        (2 * M, 24 * M, 6),  # works everywhere: down to the step itself
        (46 * M, 46 * M, 3),
    ],
)
def test_search_finds_the_threshold(threshold: int, hint: int, most_boots: int) -> None:
    booted: list[int] = []

    def works(size: int) -> bool:
        assert size % floor.STEP == 0 and size > 0
        booted.append(size)
        return size >= threshold

    assert floor.search(works, hint) == threshold
    assert len(booted) == len(set(booted)) <= most_boots
    assert threshold in booted
    assert threshold == floor.STEP or threshold - floor.STEP in booted


def test_search_gives_up_at_the_ceiling() -> None:
    assert floor.search(lambda size: False, 24 * M, ceiling=64 * M) is None


def test_floor_smallest_needs_the_size_below_seen_failing() -> None:
    found = floor.Floor("x86_64", "gold", 1 << 30)
    found.probes += [floor.Probe(24 * M, True, 1, 1), floor.Probe(20 * M, False, 1, None)]
    assert found.smallest is None  # 22M not booted: no 2M bracket
    found.probes.append(floor.Probe(22 * M, True, 1, 1))
    assert (found.smallest, found.fails_at) == (22 * M, 20 * M)
