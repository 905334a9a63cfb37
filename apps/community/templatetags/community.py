"""Template filters of apps.community: months (rupiah amounts come from `{% load money %}`)."""

from datetime import date

from django import template

from apps.community.models import month_label

register = template.Library()


@register.filter
def month(value: object) -> str:
    """date(2026, 3, 1) -> "2026-03"."""
    return month_label(value) if isinstance(value, date) else ""
