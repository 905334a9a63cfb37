"""The one reader of typed/sent rupiah amounts (apps.core.money.parse_rupiah) and the one short
text check (apps.core.short_text.clean_short_text). No database."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.errors import ValidationFailed
from apps.core.money import parse_rupiah
from apps.core.short_text import clean_short_text


@pytest.mark.parametrize(
    ("value", "amount"),
    [
        (25_000, 25_000),
        (0, 0),
        (10**13, 10**13),
        (Decimal("25000"), 25_000),
        (Decimal("25000.00"), 25_000),
        (25_000.0, 25_000),
        ("25000", 25_000),
        ("  25000 ", 25_000),
        ("0", 0),
        ("1", 1),
        ("999", 999),
        ("25.000", 25_000),
        ("1.000", 1_000),
        ("1.500.000", 1_500_000),
        ("12.345.678.901", 12_345_678_901),
        ("Rp25.000", 25_000),
        ("rp25.000", 25_000),
        ("RP25.000", 25_000),
        ("Rp 25.000", 25_000),
        ("Rp  1.500.000", 1_500_000),
        ("Rp25000", 25_000),
        ("25.000,00", 25_000),
        ("25.000,0", 25_000),
        ("25.000,-", 25_000),
        ("Rp 25.000,-", 25_000),
        ("25000,00", 25_000),
        ("Rp25.000\u00a0", 25_000),  # a no-break space pasted from a spreadsheet is still space
    ],
)
def test_whole_rupiah_are_read(value: object, amount: int) -> None:
    assert parse_rupiah(value) == amount


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        False,
        "",
        "   ",
        "Rp",
        "1.500,50",  # Rp1.500 and 50 sen: never 150050
        "1.500.000,50",
        "25000,50",
        "25000,5",
        "1,500",  # English grouping: ambiguous in Indonesia
        "1,500.00",
        "1.50",  # a decimal point, or a broken group: never 150
        "25.00",
        "1.5000",
        "1.500.00",
        "1.500.0000",
        ".500",
        "1.",
        "1..500",
        "1.500,",
        "1.500,000",
        "25 000",
        "2 5000",
        "25000 Rp",
        "IDR 25000",
        "Rp.25.000",
        "25e3",
        "0x10",
        "+25000",
        "--25000",
        "-Rp-25000",
        "lima ribu",
        "١٢٣",  # Arabic-Indic digits: int() reads them, people mean nothing by them here
        "２５０００",  # full-width digits
        Decimal("10.5"),
        Decimal("NaN"),
        Decimal("Infinity"),
        Decimal("-Infinity"),
        10.5,
        float("nan"),
        float("inf"),
        -1,
        -25_000,
        Decimal("-1"),
        "-1",
        "-25.000",
        "Rp-25.000",
        [25_000],
        {"amount": 25_000},
        b"25000",
    ],
)
def test_anything_else_is_refused(value: object) -> None:
    assert parse_rupiah(value) is None


@pytest.mark.parametrize(
    ("value", "amount"),
    [(-1, -1), ("-25.000", -25_000), ("-Rp25.000", -25_000), ("Rp-25.000", -25_000), (Decimal("-5"), -5), ("5", 5)],
)
def test_negatives_only_when_the_caller_allows_them(value: object, amount: int) -> None:
    assert parse_rupiah(value, allow_negative=True) == amount


@pytest.mark.parametrize("value", ["-1.500,50", "--5", "-Rp-5", "- 5"])
def test_allowing_negatives_keeps_the_rest_strict(value: object) -> None:
    assert parse_rupiah(value, allow_negative=True) is None


@pytest.mark.parametrize(
    ("value", "kwargs", "text"),
    [
        ("  Pak RT  ", {}, "Pak RT"),
        (None, {}, ""),
        ("a  b\n c", {}, "a  b\n c"),
        ("a  b\n c", {"collapse_spaces": True}, "a b c"),
        ("x" * 10, {}, "x" * 10),
        ("  " + "x" * 10 + "  ", {}, "x" * 10),
        (12, {}, "12"),
    ],
)
def test_short_text_is_trimmed(value: object, kwargs: dict[str, bool], text: str) -> None:
    assert clean_short_text(value, field="f", max_length=10, **kwargs) == text


def test_too_long_text_is_refused_never_cut() -> None:
    with pytest.raises(ValidationFailed) as exc:
        clean_short_text("x" * 11, field="note", max_length=10)
    assert exc.value.code == "too_long"
    assert exc.value.details == {"field": "note"}
    assert str(exc.value.message) == "Paling banyak 10 huruf."


def test_required_text_names_its_own_message() -> None:
    with pytest.raises(ValidationFailed) as exc:
        clean_short_text(" \n ", field="name", max_length=10, required_message="Nama wajib diisi.")
    assert exc.value.code == "required" and exc.value.message == "Nama wajib diisi."
    assert clean_short_text(" \n ", field="name", max_length=10) == ""
