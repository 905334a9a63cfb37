"""The public tracking link of a delivery: a page anyone with the link may open, without signing in.

The link carries a signed token (django.core.signing, salted with the tenant's schema) of the
delivery's tracking code, so nobody can walk through deliveries by changing a number and a
token of one kelurahan opens nothing in another. A tampered token is a 404, and so is a token
of a delivery that ended (delivered, failed, cancelled) more than TRACKING_LINK_DAYS ago.

What the page shows is deliberately thin (`PublicView`): the status steps, the hub's name, the
ETA, the buyer's area at kelurahan/RT level and, only while the parcel is out with the courier,
the courier's last GPS fix. Never a name, a phone number, the exact address nor the drop-off point.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core import signing
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.db import connection
from apps.core.errors import NotFound
from apps.marketplace.events import OrderTracking
from apps.marketplace.models import Order
from apps.rtrw.models import Residency

from . import conf, selectors
from .models import Delivery

_SALT = "fulfillment.public-track"
ENDED = (Delivery.Status.DELIVERED, Delivery.Status.FAILED, Delivery.Status.CANCELLED)
# Steps a buyer recognises, in order; each delivery status lands on one of them.
STEPS = (
    ("ordered", gettext_lazy("Pesanan diterima hub")),
    ("assigned", gettext_lazy("Dapat kurir")),
    ("out", gettext_lazy("Dalam perjalanan")),
    ("delivered", gettext_lazy("Sudah sampai")),
)
_STEP_OF: dict[str, int] = {
    Delivery.Status.PENDING: 0,
    Delivery.Status.BATCHED: 0,
    Delivery.Status.ASSIGNED: 1,
    Delivery.Status.PICKED_UP: 2,
    Delivery.Status.DELIVERED: 3,
}


def _salt() -> str:
    return f"{_SALT}:{connection.schema_name}"


def token_for(delivery: Delivery) -> str:
    return signing.dumps(delivery.code, salt=_salt())


def path_for(delivery: Delivery) -> str:
    return f"/antar/l/{token_for(delivery)}/"


def for_order(order: Order) -> OrderTracking | None:
    """The marketplace order page's links to the order's delivery (apps.marketplace.events)."""
    delivery = Delivery.objects.filter(order=order).only("code", "order_id").first()
    if delivery is None:
        return None
    return OrderTracking(
        code=delivery.code,
        track_url=reverse("fulfillment:track", args=[delivery.code]),
        public_path=path_for(delivery),
    )


def url_for(delivery: Delivery) -> str:
    """The absolute link (for notifications read outside the site)."""
    tenant = getattr(connection, "tenant", None)
    url = getattr(tenant, "url", None)
    return str(url(path_for(delivery))) if callable(url) else path_for(delivery)


def _ended_at(delivery: Delivery) -> datetime | None:
    if delivery.status not in ENDED:
        return None
    return delivery.delivered_at or delivery.updated_at


def resolve(token: str) -> Delivery:
    """The delivery of a public token; NotFound for a tampered, foreign or expired token."""
    try:
        code = signing.loads(str(token)[:200], salt=_salt())
    except signing.BadSignature:
        raise NotFound(_("Tautan lacak tidak berlaku."), code="unknown_delivery") from None
    delivery = (
        Delivery.objects.select_related("hub", "courier", "order__buyer__residency__rt__rw")
        .filter(code=str(code)[:16])
        .first()
    )
    if delivery is None:
        raise NotFound(_("Tautan lacak tidak berlaku."), code="unknown_delivery")
    ended = _ended_at(delivery)
    if ended is not None and timezone.now() > ended + timedelta(days=conf.get("TRACKING_LINK_DAYS")):
        raise NotFound(_("Tautan lacak tidak berlaku."), code="expired")
    return delivery


@dataclass(frozen=True)
class Step:
    label: str
    state: str  # "done", "current" or "todo"


@dataclass(frozen=True)
class PublicView:
    status: str
    status_label: str
    steps: list[Step]
    hub_name: str
    area: str
    eta: datetime | None
    live: bool  # the page keeps polling
    courier: tuple[float, float] | None  # only while the parcel is out
    hub_point: tuple[float, float]
    position_at: datetime | None


def _area(delivery: Delivery) -> str:
    """Kelurahan and, when the buyer's RT is known, "RT 01/RW 02": never the street or house."""
    place = str(getattr(connection.tenant, "name", "") or "")
    try:
        rt = delivery.order.buyer.residency.rt
    except Residency.DoesNotExist:
        return place
    return f"{rt}, {place}" if place else str(rt)


def view_of(delivery: Delivery) -> PublicView:
    current = _STEP_OF.get(delivery.status)
    steps = [
        Step(str(label), "done" if current is not None and i < current else "current" if i == current else "todo")
        for i, (_key, label) in enumerate(STEPS)
    ]
    if delivery.status == Delivery.Status.DELIVERED:
        steps[-1] = Step(steps[-1].label, "done")
    out = delivery.status == Delivery.Status.PICKED_UP
    courier = delivery.courier
    position = None
    if out and courier is not None and courier.lat is not None and courier.lng is not None:
        position = (float(courier.lat), float(courier.lng))
    return PublicView(
        status=delivery.status,
        status_label=str(delivery.get_status_display()),
        steps=steps,
        hub_name=delivery.hub.name,
        area=_area(delivery),
        eta=selectors.eta(delivery),
        live=delivery.status not in ENDED,
        courier=position,
        hub_point=(float(delivery.hub.lat), float(delivery.hub.lng)),
        position_at=courier.last_ping_at if position is not None and courier is not None else None,
    )


POSITION_CACHE_SECONDS = 5  # the JSON every open page polls every ~10 s: one build per delivery per 5 s


def position_payload(delivery: Delivery) -> dict[str, object]:
    """What the map polls: status, ETA and (only while out) the courier's last position."""
    key = f"antar:pos:{connection.schema_name}:{delivery.code}"
    found = cache.get(key)
    if isinstance(found, dict):
        return found
    view = view_of(delivery)
    payload: dict[str, object] = {
        "status": view.status,
        "status_label": view.status_label,
        "eta": timezone.localtime(view.eta).strftime("%H.%M") if view.eta else None,
        "courier": list(view.courier) if view.courier else None,
        "at": view.position_at.isoformat() if view.position_at else None,
        "live": view.live,
    }
    cache.set(key, payload, POSITION_CACHE_SECONDS)
    return payload


RATE_PER_MINUTE = 30  # per visitor address and link: a page polls 6 times a minute


def over_rate(token: str, address: str) -> bool:
    """True once this address asked for this link more than RATE_PER_MINUTE times this minute."""
    minute = int(timezone.now().timestamp() // 60)
    link = hashlib.sha256(token.encode()).hexdigest()[:16]
    key = f"antar:rate:{connection.schema_name}:{address}:{link}:{minute}"
    if cache.add(key, 1, 70):
        return False
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, 70)
        return False
    return count > RATE_PER_MINUTE
