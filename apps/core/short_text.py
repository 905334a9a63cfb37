"""The one check of short free text people type (names, reasons, notes): trimmed, bounded, refused
when too long. Never cut silently: a cut loses what the person wrote without telling them."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .errors import ValidationFailed

__all__ = ["clean_short_text"]


def clean_short_text(
    value: object,
    *,
    field: str,
    max_length: int,
    required_message: str | Promise = "",
    collapse_spaces: bool = False,
) -> str:
    """`value` as trimmed text (None -> ""); runs of whitespace become one space when
    `collapse_spaces`. Raises ValidationFailed(code="required") when it is empty and a
    `required_message` is given, and ValidationFailed(code="too_long") past `max_length` characters."""
    text = "" if value is None else str(value)
    text = " ".join(text.split()) if collapse_spaces else text.strip()
    if not text and required_message:
        raise ValidationFailed(required_message, code="required", field=field)
    if len(text) > max_length:
        raise ValidationFailed(_("Paling banyak %(n)d huruf.") % {"n": max_length}, code="too_long", field=field)
    return text
