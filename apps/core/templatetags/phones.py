"""`{% load phones %}{{ user.phone|phone }}`: a stored number as people read it ("0812-3456-7890")."""

from __future__ import annotations

from django import template

from apps.core import phones

register = template.Library()


@register.filter
def phone(value: object) -> str:
    return phones.display(str(value)) if value else ""
