"""The one rupiah formatter: integer rupiah -> "Rp1.234.567" (negative: "-Rp1.234.567").

Every screen, PDF, export and message of KotaKita prints money through `rupiah`; templates use the
`{% load money %}` library (`|rupiah`, `|signed_rupiah`), built on `rupiah_or_dash` below.
Money is whole rupiah everywhere; fractional inputs (averages, model outputs) are rounded half up.

`parse_rupiah` is the other direction, the one reader of amounts people type or send: it never
rounds and never guesses (see its docstring); each caller turns its None into its own error.
`parse_count` reads typed whole counts (pieces, kilograms, days) by the same grouping rules.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "DASH",
    "parse_count",
    "parse_rupiah",
    "rupiah",
    "rupiah_or_dash",
    "signed_rupiah",
    "thousands",
    "whole_rupiah",
]

DASH = "-"


def thousands(amount: int) -> str:
    """1234567 -> "1.234.567" (Indonesian thousands separator, no currency sign)."""
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount):,}".replace(",", ".")


def rupiah(amount: int | float | Decimal) -> str:
    """1234567 -> "Rp1.234.567"; -12500 -> "-Rp12.500"; 0 -> "Rp0"; 2.5 -> "Rp3"."""
    value = amount if isinstance(amount, int) else _round(Decimal(str(amount)))
    sign = "-" if value < 0 else ""
    return f"{sign}Rp{thousands(abs(value))}"


def signed_rupiah(amount: int) -> str:
    """Credits with a plus: 12500 -> "+Rp12.500", -12500 -> "-Rp12.500", 0 -> "Rp0"."""
    return ("+" if amount > 0 else "") + rupiah(amount)


def whole_rupiah(value: object) -> int | None:
    """A template value as whole rupiah: 12500, "12500", Decimal("12500.4"), 2.5 -> 3; else None."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return _round(number) if number.is_finite() else None


def rupiah_or_dash(value: object) -> str:
    """What the `|rupiah` filter shows: the amount, or "-" when there is none ("" / None / not a number)."""
    amount = whole_rupiah(value)
    return DASH if amount is None else rupiah(amount)


# Optional sign, optional "Rp" (any case, spaces after it), then plain digits or dot-grouped
# thousands (strict groups of three), then optionally zero cents: ",00", ",0" or ",-".
# ASCII digits only: int() would also read Arabic-Indic or full-width digits.
_TYPED_RUPIAH = re.compile(
    r"(?P<sign>-?)(?:rp\s*)?(?P<sign_after>-?)(?P<number>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)(?:,(?:00?|-))?",
    re.IGNORECASE | re.ASCII,
)


def parse_rupiah(value: object, *, allow_negative: bool = False) -> int | None:
    """An amount a person typed or a client sent, as whole rupiah; None when it is not one.

    Accepted: int (not bool); a finite, integral Decimal or float; a string such as "25000",
    "25.000", "1.500.000", "Rp25.000", "rp 25.000", "25.000,00" or "25.000,-". In Indonesian the
    dot groups thousands and the comma starts the cents, so "1.500,50" is Rp1.500 and 50 sen:
    not whole rupiah, refused (it is never 150050). Also refused: "1.50", "1,500", "25 000",
    mixed or misplaced separators, non-ASCII digits, NaN/infinity, and a negative amount unless
    `allow_negative` (the caller then refuses it with its own code, or books a correction).
    Bounds (minimum, maximum) are each caller's own.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        amount = value
    elif isinstance(value, Decimal | float):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        if not number.is_finite() or number != number.to_integral_value():
            return None
        amount = int(number)
    elif isinstance(value, str):
        match = _TYPED_RUPIAH.fullmatch(value.strip())
        if match is None or (match["sign"] and match["sign_after"]):
            return None
        amount = int(match["number"].replace(".", ""))
        if match["sign"] or match["sign_after"]:
            amount = -amount
    else:
        return None
    if amount < 0 and not allow_negative:
        return None
    return amount


# A count is the number part of a typed rupiah alone: no currency, no cents.
_TYPED_COUNT = re.compile(r"(?P<sign>-?)(?P<number>[0-9]+|[0-9]{1,3}(?:\.[0-9]{3})+)", re.ASCII)


def parse_count(value: object) -> int | None:
    """A whole count (pieces, kilograms, days) a person typed or a client sent; None when it is not one.

    Accepted: int (not bool); a finite, integral Decimal or float; a string of plain ASCII digits
    or dot-grouped thousands, optionally with a leading "-": "12", "1.000" (a thousand, as written
    in Indonesian). Refused: "1.5" (never 15, never 1), "1,5", "1.50", "Rp5", "5,00", "1 000",
    "1e3". A negative count is returned as it is; bounds and their messages are each caller's own.
    """
    if isinstance(value, str):
        match = _TYPED_COUNT.fullmatch(value.strip())
        if match is None:
            return None
        number = int(match["number"].replace(".", ""))
        return -number if match["sign"] else number
    return parse_rupiah(value, allow_negative=True)


def _round(number: Decimal) -> int:
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
