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
