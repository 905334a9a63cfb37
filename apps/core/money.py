"""The one rupiah formatter: integer rupiah -> "Rp1.234.567" (negative: "-Rp1.234.567").

Every screen, PDF, export and message of KotaKita prints money through `rupiah`; templates use the
`{% load money %}` library (`|rupiah`, `|signed_rupiah`), built on `rupiah_or_dash` below.
Money is whole rupiah everywhere; fractional inputs (averages, model outputs) are rounded half up.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = ["DASH", "rupiah", "rupiah_or_dash", "signed_rupiah", "thousands", "whole_rupiah"]

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


def _round(number: Decimal) -> int:
    return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))
