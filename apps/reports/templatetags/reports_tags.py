from typing import Any

from django import template

from apps.reports import selectors

register = template.Library()


@register.filter
def get_item(mapping: Any, key: str) -> Any:
    """`answers|get_item:code` → the list of values given for `code` (empty when none)."""
    if isinstance(mapping, dict):
        return mapping.get(key, [])
    return []


@register.simple_tag
def handles_reports(user: Any) -> bool:
    return bool(user.is_authenticated and selectors.handles_any(user))
