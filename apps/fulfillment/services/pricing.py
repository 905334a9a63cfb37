"""Hub delivery to a map point: which hub takes it, from when, and what it costs.

`hub_offer` is the one answer: the marketplace's checkout quote and the order's charge both
reach it through `apps.marketplace.events` (`quote`), and the seller's "Kirim lewat hub" falls
back to it when no hub is open now, so what the buyer saw, paid and gets cannot disagree.
A hub that is closed now but serves the point takes the parcel for its next opening.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import geo
from apps.core.errors import Conflict, ValidationFailed
from apps.marketplace import events

from .. import conf, hours
from ..models import Hub
from .assignment import hub_load, hub_slots


@dataclass(frozen=True)
class HubOffer:
    hub: Hub
    starts_at: datetime  # now when the hub is open, else its next opening
    distance_m: float  # hub -> point, straight line
    fee: int  # rupiah


def delivery_fee(distance_m: float) -> int:
    """The buyer's hub delivery fee for a drop `distance_m` from the hub."""
    extra_km = math.ceil(max(0.0, distance_m - float(conf.get("HUB_FEE_INCLUDED_M"))) / 1000)
    return int(conf.get("HUB_BASE_FEE")) + extra_km * int(conf.get("HUB_FEE_PER_KM"))


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f}".replace(".", ",")


def hub_offer(lat: Any, lng: Any, *, now: datetime | None = None, weight: int = 1) -> HubOffer:
    """The hub that takes a parcel of `weight` kg to (lat, lng) soonest (open now first, then
    the earliest next opening; nearer wins a tie). Refusals name why (4xx): no hub reaches
    the point (and how far the nearest reaches), the hubs there are full, or none opens soon."""
    now = now or timezone.now()
    point = (float(lat), float(lng))
    slots = {slot.hub_id: slot for slot in hub_slots(None, load=hub_load())}
    reaching: list[tuple[float, Hub]] = []
    nearest: tuple[float, Hub] | None = None
    for hub in Hub.objects.filter(is_active=True).order_by("pk"):
        distance = geo.haversine_m(float(hub.lat), float(hub.lng), *point)
        if nearest is None or distance - hub.service_radius_m < nearest[0] - nearest[1].service_radius_m:
            nearest = (distance, hub)
        if distance <= hub.service_radius_m:
            reaching.append((distance, hub))
    if nearest is None:
        raise ValidationFailed(
            _("Belum ada hub yang mengantar di wilayah ini; pilih cara kirim lain."),
            code="hub_unavailable",
            field="delivery",
        )
    if not reaching:
        distance, hub = nearest
        raise ValidationFailed(
            _(
                "Titik antar di luar jangkauan hub: %(hub)s mengantar sampai %(reach)s km, titik ini %(far)s km "
                "dari hub. Geser titik atau pilih cara kirim lain."
            )
            % {"hub": hub.name, "reach": _km(hub.service_radius_m), "far": _km(distance)},
            code="outside_hub_area",
            field="location",
        )
    offers: list[tuple[datetime, float, Hub]] = []
    full: list[Hub] = []
    for distance, hub in reaching:
        slot = slots[hub.pk]
        if slot.slots_left < 1 or slot.weight_left < weight:
            full.append(hub)
            continue
        span = hours.open_span(hub, now)
        if span is not None:
            offers.append((span[0], distance, hub))
    if offers:
        starts_at, distance, hub = min(offers, key=lambda o: (o[0], o[1], o[2].pk))
        return HubOffer(hub=hub, starts_at=starts_at, distance_m=distance, fee=delivery_fee(distance))
    if full:
        raise Conflict(
            _("%(hub)s sedang penuh; coba lagi nanti atau pilih cara kirim lain.") % {"hub": full[0].name},
            code="hub_full",
            field="delivery",
        )
    raise ValidationFailed(
        _("Hub yang menjangkau titik ini (%(hub)s) tidak buka dalam seminggu ke depan; pilih cara kirim lain.")
        % {"hub": reaching[0][1].name},
        code="hub_unavailable",
        field="delivery",
    )


def quote(lat: Decimal, lng: Decimal, now: datetime) -> events.HubQuote:
    """`hub_offer` as the marketplace reads it (registered in FulfillmentConfig.ready())."""
    offer = hub_offer(lat, lng, now=now)
    later = offer.starts_at > now
    return events.HubQuote(
        fee=offer.fee,
        hub_name=offer.hub.name,
        starts_at=offer.starts_at,
        starts_text=hours.describe(offer.starts_at, now) if later else "",
    )
