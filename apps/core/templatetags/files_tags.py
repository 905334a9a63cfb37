"""`{% load files_tags %}{% private_file_url permit 'ktp_scan' %}`: the gated URL of a private file;
`{% kept_file_remove field %}`: the "remove" checkbox of a file kept across a form error."""

from __future__ import annotations

from django import template
from django.db.models import Model
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.translation import gettext as _

from apps.core.files import private_url
from apps.core.files.kept import REMOVE_SUFFIX, KeptFileInput

register = template.Library()


@register.simple_tag
def private_file_url(obj: Model, field: str) -> str:
    return private_url(obj, field)


@register.simple_tag
def kept_file_remove(field: BoundField) -> str:
    """The "remove" checkbox of a file kept across a validation error (apps.core.files.kept),
    rendered after the field's label; nothing for any other field."""
    widget = field.field.widget
    if not isinstance(widget, KeptFileInput) or widget.kept is None:
        return ""
    return format_html(
        '<label class="kept-remove">'
        '<input type="checkbox" name="{}" value="1" data-testid="kept-remove-{}"> {}</label>',
        field.html_name + REMOVE_SUFFIX,
        field.name,
        _("Hapus %(noun)s yang sudah dipilih") % {"noun": widget.noun.lower()},
    )
