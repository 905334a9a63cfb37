from django import template

from apps.permits.certificate import rupiah as _rupiah

register = template.Library()


@register.filter
def rupiah(value: int | None) -> str:
    return _rupiah(int(value)) if value is not None else "-"
