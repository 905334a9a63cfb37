from django import template

register = template.Library()


@register.filter
def rupiah(value: object) -> str:
    """12500 → "Rp12.500"."""
    if value is None or value == "":
        return "-"
    try:
        amount = int(str(value))
    except ValueError:
        return str(value)
    return "Rp" + f"{amount:,}".replace(",", ".")
