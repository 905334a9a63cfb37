from django import template

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
def signed_rupiah(value: object) -> str:
    try:
        amount = int(str(value))
    except (TypeError, ValueError):
        return ""
    return ("+" if amount > 0 else "") + format_rupiah(amount)
