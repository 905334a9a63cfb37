"""Template filters of apps.community: rupiah amounts and months."""

from datetime import date

from django import template

from apps.community.models import month_label
from apps.payments.services import rupiah as format_rupiah

register = template.Library()


@register.filter
def rupiah(value: object) -> str:
    """12500 -> "Rp12.500" (negative: "-Rp12.500")."""
    try:
        return format_rupiah(int(str(value)))
    except (TypeError, ValueError):
        return ""


@register.filter
def month(value: object) -> str:
    """date(2026, 3, 1) -> "2026-03"."""
    return month_label(value) if isinstance(value, date) else ""
