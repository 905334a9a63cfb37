"""The reader of typed/sent whole counts (apps.core.money.parse_count): the number part of a typed
rupiah alone. No database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.money import parse_count


@pytest.mark.parametrize(
    ("value", "count"),
    [
        (3, 3),
        (0, 0),
        (-2, -2),  # the caller's bounds refuse it with their own message
        (3.0, 3),
        (Decimal("3"), 3),
        ("3", 3),
        (" 12 ", 12),
        ("1.000", 1_000),
        ("-1", -1),
    ],
)
def test_whole_counts_are_read(value: object, count: int) -> None:
    assert parse_count(value) == count


@pytest.mark.parametrize(
    "value",
    [
        "1.5",
        "0.5",
        "1.50",
        "1,5",
        "1,000",
        "Rp5",
        "5,00",
        "1 000",
        "1e3",
        "+3",
        "",
        "٣",
        None,
        True,
        2.5,
        Decimal("1.5"),
    ],
)
def test_anything_else_is_refused(value: object) -> None:
    assert parse_count(value) is None
