"""The one rupiah formatter (apps.core.money) and its template filters (`{% load money %}`)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.template import Context, Template

from apps.core import money


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (0, "Rp0"),
        (999, "Rp999"),
        (1_000, "Rp1.000"),
        (1_250_000, "Rp1.250.000"),
        (-12_500, "-Rp12.500"),
        (3_250_000.4, "Rp3.250.000"),
        (2.5, "Rp3"),  # half up, not banker's rounding
        (Decimal("12500.50"), "Rp12.501"),
    ],
)
def test_rupiah(amount: int | float | Decimal, text: str) -> None:
    assert money.rupiah(amount) == text


def test_thousands_and_signed() -> None:
    assert money.thousands(100_000_000) == "100.000.000"
    assert money.thousands(-1_000) == "-1.000"
    assert money.signed_rupiah(12_500) == "+Rp12.500"
    assert money.signed_rupiah(-12_500) == "-Rp12.500"
    assert money.signed_rupiah(0) == "Rp0"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (45_000, "Rp45.000"),
        ("45000", "Rp45.000"),
        (" 45000 ", "Rp45.000"),
        (Decimal("45000.00"), "Rp45.000"),
        (-5, "-Rp5"),
        (None, "-"),
        ("", "-"),
        ("abc", "-"),
        ("nan", "-"),
        (True, "-"),
    ],
)
def test_rupiah_filter(value: object, shown: str) -> None:
    rendered = Template("{% load money %}{{ value|rupiah }}|{{ value|signed_rupiah }}").render(
        Context({"value": value})
    )
    plain, signed = rendered.split("|")
    assert plain == shown
    assert signed == (shown if shown == "-" or shown.startswith("-") else "+" + shown)
