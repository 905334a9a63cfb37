"""The public tracking page of a delivery (no sign-in; see apps.fulfillment.public_tracking)."""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from apps.core.errors import NotFound

from . import public_tracking
from .models import Delivery


def _delivery(token: str) -> Delivery:
    try:
        return public_tracking.resolve(token)
    except NotFound:
        raise Http404(_("Tautan lacak tidak berlaku.")) from None


def _throttled(request: HttpRequest, token: str) -> bool:
    return public_tracking.over_rate(token, str(request.META.get("REMOTE_ADDR", "")))


def _too_many() -> JsonResponse:
    response = JsonResponse(
        {"error": {"code": "too_many_requests", "message": _("Terlalu sering; coba lagi sebentar."), "details": {}}},
        status=429,
    )
    response["Retry-After"] = "60"
    return response


@require_GET
@never_cache
def public_track(request: HttpRequest, token: str) -> HttpResponse:
    delivery = _delivery(token)
    view = public_tracking.view_of(delivery)
    map_data = {"hub": list(view.hub_point), "courier": list(view.courier) if view.courier else None}
    response = render(
        request,
        "fulfillment/public_track.html",
        {"view": view, "token": token, "map_data": json.dumps(map_data), "code": delivery.code},
    )
    # The link is a capability: keep it out of other sites' Referer headers and of search engines.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_GET
@never_cache
def public_position(request: HttpRequest, token: str) -> HttpResponse:
    """The small JSON the public map polls (~every 10 s)."""
    if _throttled(request, token):
        return _too_many()
    delivery = _delivery(token)
    response = JsonResponse(public_tracking.position_payload(delivery))
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response
