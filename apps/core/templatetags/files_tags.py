"""`{% load files_tags %}{% private_file_url permit 'ktp_scan' %}`: the gated URL of a private file."""

from __future__ import annotations

from django import template
from django.db.models import Model

from apps.core.files import private_url

register = template.Library()


@register.simple_tag
def private_file_url(obj: Model, field: str) -> str:
    return private_url(obj, field)
