"""Deliveries: OTP, cut-offs, state moves and creating a delivery for an order."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import geo
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.marketplace.models import Allocation, DeliveryMethod, Order

from .. import conf, hours
from ..models import (
    Delivery,
    DeliveryEvent,
    Hub,
)
from ._common import DStatus, _announce, _otp_hash, _whole, clean_point, next_cutoff, schedule_dispatch
from .assignment import hub_slots, nearest_hubs
from .pricing import hub_offer


def otp_for(delivery: Delivery) -> str:
    """The buyer's 6-digit code, derived (never stored in clear) from the delivery's identity."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"antar-otp:{connection.schema_name}:{delivery.code}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:6], 'big') % 1_000_000:06d}"


def _hub_of_goods(order: Order) -> Hub | None:
    """The hub where the order's goods are allocated (consigned stock), if any."""
    location_id = (
        Allocation.objects.filter(line__order=order, released_at__isnull=True, stock__location__kind="hub")
        .values_list("stock__location_id", flat=True)
        .first()
    )
    if location_id is None:
        return None
    return Hub.objects.filter(location_id=location_id).first()


@transaction.atomic
def create_delivery(
    order: Order,
    *,
    actor: User,
    lat: Any = None,
    lng: Any = None,
    address: str = "",
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    weight_kg: Any = 1,
    now: datetime | None = None,
    pickup_hub: Hub | None = None,
) -> Delivery:
    """A delivery for a marketplace order sent "lewat hub": the buyer's map point, the nearest
    open hub with room (or the hub holding the goods; or, when none is open now, the hub that
    serves the point at its next opening: the window starts at its first cut-off after it
    opens), the time window, the OTP. `pickup_hub`: the goods already wait at this hub (a group
    purchase delivered there, apps.sembako), so the parcel starts from it."""
    now = now or timezone.now()
    order = Order.objects.select_for_update().select_related("shop", "buyer").get(pk=order.pk)
    if actor.pk != order.shop.owner_id and not actor.is_staff and not actor.has_role(Role.OPERATOR_HUB):
        raise Forbidden(_("Hanya toko, operator hub, atau petugas yang bisa mengirim pesanan ini."), code="not_allowed")
    if order.delivery_method != DeliveryMethod.HUB:
        raise ValidationFailed(_("Pesanan ini tidak diantar lewat hub."), code="not_hub_delivery")
    if order.status not in (OrderStatus.ACCEPTED, OrderStatus.PACKED):
        raise Conflict(
            _("Pesanan berstatus “%(status)s” belum/tidak bisa diantar.") % {"status": order.get_status_display()},
            code="order_not_ready",
        )
    if Delivery.objects.filter(order=order).exists():
        raise Conflict(_("Pesanan ini sudah punya antaran."), code="delivery_exists")
    if lat in (None, "") and lng in (None, ""):  # the point the buyer picked at checkout
        lat, lng = order.delivery_lat, order.delivery_lng
    drop_lat, drop_lng = clean_point(lat, lng)
    address = clean_short_text(
        address or order.delivery_address,
        field="address",
        max_length=255,
        required_message=_("Alamat antar wajib diisi."),
    )
    weight = _whole(weight_kg, field="weight_kg", label=_("Berat"), minimum=1)
    opens_at = now  # when the chosen hub takes the parcel (later when it is closed now)
    goods_hub = pickup_hub if pickup_hub is not None else _hub_of_goods(order)
    if goods_hub is not None:
        hub = goods_hub
        pickup_from, p_lat, p_lng = Delivery.PickupFrom.HUB, hub.lat, hub.lng
        span = hours.open_span(hub, now)
        opens_at = span[0] if span is not None else now
        if geo.haversine_m(float(hub.lat), float(hub.lng), float(drop_lat), float(drop_lng)) > hub.service_radius_m:
            raise ValidationFailed(_("Alamat di luar jangkauan hub yang menyimpan barang."), code="outside_hub_area")
    else:
        if order.shop.lat is None or order.shop.lng is None:
            raise ValidationFailed(
                _("Toko belum punya titik peta; lengkapi profil toko dulu."), code="shop_location_missing"
            )
        p_lat, p_lng = clean_point(order.shop.lat, order.shop.lng, field="shop")
        pickup_from = Delivery.PickupFrom.SHOP
        # Locking the hub rows keeps two concurrent deliveries from taking the last slot.
        list(Hub.objects.select_for_update().filter(is_active=True).order_by("pk").values_list("pk", flat=True))
        picked = nearest_hubs([(float(drop_lat), float(drop_lng))], [weight], hub_slots(now))[0]
        if picked is not None:
            hub = Hub.objects.get(pk=picked)
        else:
            # No hub open now with room: a hub that serves the point takes it for its next opening.
            try:
                offer = hub_offer(drop_lat, drop_lng, now=now, weight=weight)
            except DomainError as exc:
                raise _no_hub(now, str(exc.message)) from None
            if offer.starts_at <= now:
                raise _no_hub(now, _("Tidak ada hub buka yang menjangkau alamat ini dan masih punya tempat."))
            hub, opens_at = offer.hub, offer.starts_at
    if window_start is None:
        window_start = next_cutoff(hub, opens_at)
    if window_end is None:
        window_end = window_start + timedelta(hours=conf.get("DEFAULT_WINDOW_HOURS"))
    if window_end <= window_start or window_end <= now:
        raise ValidationFailed(_("Jam antar tidak valid."), code="invalid_window", field="window_end")
    delivery = Delivery(
        order=order,
        hub=hub,
        pickup_from=pickup_from,
        pickup_lat=p_lat,
        pickup_lng=p_lng,
        dropoff_lat=drop_lat,
        dropoff_lng=drop_lng,
        dropoff_address=address,
        window_start=window_start,
        window_end=window_end,
        weight_kg=weight,
        created_by=actor,
    )
    delivery.otp_hash = _otp_hash(delivery.code, otp_for(delivery))
    delivery.save()
    schedule_dispatch(next_cutoff(hub, opens_at))  # the hub's next cut-off (once open) batches it
    DeliveryEvent.record(delivery=delivery, action="create", to_status=DStatus.PENDING, actor=actor)
    _announce(
        delivery,
        "created",
        _("Pesanan %(number)s akan diantar") % {"number": order.number},
        _("Pesanan akan diantar lewat %(hub)s. Kode lacak: %(code)s.") % {"hub": hub.name, "code": delivery.code},
    )
    return delivery


def _no_hub(now: datetime, reason: str) -> Conflict:
    """The seller's "Kirim lewat hub" refusal: why, and when the next hub opens."""
    upcoming = hours.next_opening(now)
    if upcoming is None or upcoming[1] <= now:
        return Conflict(reason, code="no_hub_available")
    hub, opens_at = upcoming
    message = _("%(reason)s %(hub)s buka lagi %(when)s.") % {
        "reason": reason,
        "hub": hub.name,
        "when": hours.describe(opens_at, now),
    }
    return Conflict(message, code="no_hub_available", opens_at=opens_at.isoformat(), hub=hub.code)
