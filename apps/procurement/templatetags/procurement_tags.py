"""Template filters of procurement pages: quantities, dictionary lookups, KBLI labels (rupiah:
`{% load money %}`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from apps.permits import selectors as permit_selectors
from apps.procurement import rules

register = template.Library()


@register.filter
def qty(value: Decimal | str | None) -> str:
    if value is None or value == "":
        return "-"
    return rules.quantity_text(Decimal(str(value)))


@register.filter
def lookup(mapping: Any, key: Any) -> Any:
    if not hasattr(mapping, "get"):
        return ""
    found = mapping.get(key)
    if found is None:
        found = mapping.get(str(key), "")
    return found


@register.filter
def kbli(code: str | None) -> str:
    """An item's KBLI with its name: "56 — Penyediaan makanan dan minuman" for a division in the
    hint list, "56210 — Jasa Boga …" for a full code, "—" when the item names none."""
    if not code:
        return "—"
    names = dict(rules.DIVISION_HINTS)
    if code in names:
        return f"{code} — {names[code]}"
    return permit_selectors.kbli_label(code)
