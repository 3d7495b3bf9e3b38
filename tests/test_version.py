"""kdumplayer.version: the one kernel-version parser."""

from __future__ import annotations

import pytest

from kdumplayer.errors import UserError
from kdumplayer.version import optional_version, parse_version, series


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("6.12", (6, 12)),
        ("2.6.32", (2, 6, 32)),
        ("6.12.57-rc1", (6, 12, 57)),
        (" 7.2 ", (7, 2)),
        ("6.1.0-kdump", (6, 1, 0)),
    ],
)
def test_parse(text: str, expected: tuple[int, ...]) -> None:
    assert parse_version(text) == expected


@pytest.mark.parametrize("text", ["six", "6", "v6.12", "", "6.x"])
def test_refused_with_the_key(text: str) -> None:
    with pytest.raises(UserError) as err:
        parse_version(text, key="kernel")
    assert err.value.key == "kernel" and "is not a kernel version such as 6.12" in err.value.message


def test_optional_and_series() -> None:
    assert optional_version(None) is None and optional_version("") is None
    assert optional_version("4.12") == (4, 12)
    assert series("6.12.57") == (6, 12) and series("linux-6.12") is None and series(None) is None
    assert parse_version("4.19") < parse_version("4.19.1") < parse_version("5.4")
