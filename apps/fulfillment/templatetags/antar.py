"""Template helpers of fulfillment for other apps' pages (the marketplace order page)."""

from __future__ import annotations

from django import template

from ..models import Delivery
from ..public_tracking import path_for

register = template.Library()


@register.simple_tag
def public_track_path(delivery: Delivery | None) -> str:
    """The public (no sign-in) tracking link of `delivery`, "" without one."""
    return path_for(delivery) if isinstance(delivery, Delivery) else ""
