"""Template filters of procurement pages: quantities, dictionary lookups (rupiah: `{% load money %}`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

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
