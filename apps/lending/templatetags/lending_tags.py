"""Template helpers of apps.lending: the borrower's plain reasons."""

from __future__ import annotations

from typing import Any

from django import template

from apps.lending.plain import PlainReasons, reasons_of

register = template.Library()


@register.filter
def plain_reasons(assessment: Any) -> PlainReasons:
    return reasons_of(assessment)
