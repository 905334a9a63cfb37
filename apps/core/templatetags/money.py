"""`{% load money %}{{ amount|rupiah }}`: integer rupiah as "Rp1.234.567" (see apps.core.money)."""

from __future__ import annotations

from django import template

from apps.core import money

register = template.Library()


@register.filter
def rupiah(value: object) -> str:
    """12500 -> "Rp12.500"; -12500 -> "-Rp12.500"; None / "" / not a number -> "-"."""
    return money.rupiah_or_dash(value)


@register.filter
def signed_rupiah(value: object) -> str:
    """Statement lines: 12500 -> "+Rp12.500", -12500 -> "-Rp12.500"; not a number -> "-"."""
    amount = money.whole_rupiah(value)
    return money.DASH if amount is None else money.signed_rupiah(amount)


@register.filter
def basis_points_percent(value: object) -> str:
    """Basis points as a percent people read: 250 -> "2,5%", 1000 -> "10%" (Indonesian comma;
    "bp" is a banker's word). Not a number -> "-"."""
    try:
        points = int(str(value))
    except (TypeError, ValueError):
        return money.DASH
    whole, rest = divmod(abs(points), 100)
    text = str(whole) if not rest else f"{whole},{rest:02d}".rstrip("0")
    return f"{'-' if points < 0 else ''}{text}%"
