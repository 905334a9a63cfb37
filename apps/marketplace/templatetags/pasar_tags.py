"""Template filters of the marketplace: stars and lookups (rupiah amounts come from `{% load money %}`)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


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
