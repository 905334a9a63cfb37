from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def rupiah(value: Any) -> str:
    """45000 -> "Rp45.000" (integer rupiah, Indonesian thousands separator)."""
    if value is None or value == "":
        return "-"
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    return f"{sign}Rp{abs(amount):,}".replace(",", ".")


@register.filter
def stars(value: Any) -> str:
    try:
        n = max(0, min(5, round(float(value))))
    except (TypeError, ValueError):
        return ""
    return "★" * n + "☆" * (5 - n)


@register.filter
def get_item(mapping: Any, key: Any) -> Any:
    try:
        return mapping.get(str(key), "")
    except AttributeError:
        return ""
