"""Shared internals of the fulfillment services: solver reasons, input checks and role checks."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.core import geo
from apps.core.db import connection
from apps.core.errors import DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.money import parse_count, parse_rupiah
from apps.marketplace import services as market
from apps.notifications.services import notify
from apps.tenancy.due_work import Kind, schedule_due

from .. import conf, public_tracking, solver
from ..models import (
    Delivery,
    DeliveryEvent,
    Hub,
)
from ..workflow import DELIVERY

DStatus = Delivery.Status


_TIME_FORMAT = "%H:%M"


class TooManyRequests(DomainError):
    status_code = 429
    code = "too_many_requests"


# Solver reason codes → what staff and shops read.
REASONS: dict[str, Any] = {
    solver.Reason.NO_VEHICLES: gettext_lazy("Tidak ada kurir yang sedang bertugas di hub ini."),
    solver.Reason.EXCEEDS_CAPACITY: gettext_lazy("Barang terlalu berat untuk kendaraan kurir mana pun."),
    solver.Reason.WINDOW_UNREACHABLE: gettext_lazy("Jam antar yang diminta tidak terkejar oleh kurir mana pun."),
    solver.Reason.NO_SHIFT_TIME: gettext_lazy("Shift kurir tidak cukup panjang untuk antaran ini."),
    solver.Reason.NO_SUITABLE_VEHICLE: gettext_lazy("Tidak ada kendaraan kurir yang cocok."),
    solver.Reason.NO_ROOM_LEFT: gettext_lazy("Semua kurir sudah penuh untuk batch ini."),
    solver.Reason.SOLVER_TIMEOUT: gettext_lazy("Perhitungan rute melewati batas waktu; dicoba lagi di batch berikut."),
    "window_passed": gettext_lazy("Jam antar yang diminta sudah lewat."),
    "external_unavailable": gettext_lazy("Kurir luar sedang tidak tersedia."),
    "external_out_of_service_area": gettext_lazy("Alamat di luar jangkauan kurir luar."),
    "external_too_heavy": gettext_lazy("Barang terlalu berat untuk kurir luar."),
    "external_idempotency_conflict": gettext_lazy("Pemesanan kurir luar perlu dicek petugas."),
    "external_courier_error": gettext_lazy("Kurir luar menolak pesanan ini."),
}


def reason_label(code: str) -> str:
    if not code:
        return ""
    label = REASONS.get(code)
    return str(label) if label is not None else _("Belum dapat kurir (%(code)s).") % {"code": code}


def _number(value: Any, *, field: str, label: str, minimum: float | None = None) -> float:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(label)s harus berupa angka.") % {"label": label}, field=field) from None
    if not math.isfinite(number) or (minimum is not None and number < minimum):
        raise ValidationFailed(_("%(label)s tidak valid.") % {"label": label}, field=field)
    return number


def _whole(value: Any, *, field: str, label: str, minimum: int = 0, rupiah: bool = False) -> int:
    """A typed count ("12", "1.000" is a thousand) or, with `rupiah`, an amount ("Rp1.000"): never
    through float, which read "1.000" as 1 and "1,000" as 1."""
    number = parse_rupiah(value, allow_negative=True) if rupiah else parse_count(value)
    if number is None or number < minimum:
        raise ValidationFailed(
            _("%(label)s harus bilangan bulat minimal %(min)d.") % {"label": label, "min": minimum}, field=field
        )
    return number


def tenant_area() -> tuple[float, float, float] | None:
    """(lat, lng, radius in metres) of the current tenant's service area, None when unknown."""
    tenant = getattr(connection, "tenant", None)
    lat, lng = getattr(tenant, "lat", None), getattr(tenant, "lng", None)
    if lat is None or lng is None:
        return None
    radii: dict[str, float] = conf.get("TENANT_RADIUS_KM")
    radius_km = radii.get(str(getattr(tenant, "tenant_type", "")), max(radii.values()))
    return float(lat), float(lng), radius_km * 1000


def clean_point(lat: Any, lng: Any, *, field: str = "lat") -> tuple[Decimal, Decimal]:
    """A map point that exists and lies inside the current tenant's area (422 otherwise)."""
    if lat in (None, "") or lng in (None, ""):
        raise ValidationFailed(_("Titik peta wajib diisi."), code="location_required", field=field)
    lat_f = _number(lat, field=field, label=_("Lintang"))
    lng_f = _number(lng, field=field, label=_("Bujur"))
    if not (-90 <= lat_f <= 90 and -180 <= lng_f <= 180):
        raise ValidationFailed(_("Koordinat tidak mungkin."), code="impossible_location", field=field)
    lat_d, lng_d = market.clean_point(lat_f, lng_f)
    assert lat_d is not None and lng_d is not None
    area = tenant_area()
    tenant = getattr(connection, "tenant", None)
    if area is not None and tenant is not None and not geo.inside_tenant(tenant, lat_f, lng_f, radius_m=area[2]):
        raise ValidationFailed(
            _("Titik peta berada di luar wilayah layanan kelurahan/kota ini."), code="outside_area", field=field
        )
    return lat_d, lng_d


def clean_times(values: Iterable[Any], *, field: str) -> list[str]:
    cleaned: set[str] = set()
    for value in values:
        text = str(value).strip().replace(".", ":")
        try:
            datetime.strptime(text, _TIME_FORMAT)
        except ValueError:
            raise ValidationFailed(_("Jam tidak valid: %(value)s.") % {"value": text[:8]}, field=field) from None
        cleaned.add(f"{text:0>5}")
    return sorted(cleaned)


def _is_operator(hub: Hub, user: User) -> bool:
    return user.is_staff or hub.operators.filter(pk=user.pk).exists()


def _require_operator(hub: Hub, user: User) -> None:
    if not _is_operator(hub, user):
        raise Forbidden(_("Hanya operator hub ini atau petugas yang bisa melakukan ini."), code="not_hub_operator")


def _require_staff(user: User) -> None:
    if not user.is_staff:
        raise Forbidden(_("Hanya petugas yang bisa melakukan ini."), code="not_staff")


def _otp_hash(code: str, otp: str) -> str:
    return hashlib.sha256(f"{code}:{otp}".encode()).hexdigest()


# Announcements of a parcel on its way carry the public tracking link (no sign-in), so the
# buyer can forward it to whoever waits at the door.
_WITH_PUBLIC_LINK = ("assigned", "picked_up")


def _announce(delivery: Delivery, event: str, title: str, body: str) -> None:
    order = delivery.order
    if event in _WITH_PUBLIC_LINK:
        body = _("%(body)s Lacak tanpa masuk: %(url)s") % {"body": body, "url": public_tracking.url_for(delivery)}
    notify(
        [order.buyer, order.shop.owner],
        event=f"fulfillment.{event}",
        title=title,
        body=body,
        url=f"/antar/lacak/{delivery.code}/",
        key=f"antar-{delivery.pk}-{event}",
    )


def _move(delivery: Delivery, action: str, *, actor: User | None, note: str = "") -> None:
    """Record the step `action` (the caller checked it may start from the current status)."""
    target = DELIVERY.step(action).target
    previous = delivery.status
    delivery.status = target
    now = timezone.now()
    if target == DStatus.PENDING:
        schedule_dispatch(next_cutoff(delivery.hub, now))  # back in line for the next cut-off
    elif action == "assign_external":
        schedule_dispatch(now + EXTERNAL_POLL)  # follow the booking (sync_external)
    DeliveryEvent.record(
        delivery=delivery,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor if actor is not None and actor.pk else None,
        # Typed reasons arrive checked at 255 (mark_failed, cancel_delivery); the rest are built labels.
        note=str(note)[:255],
    )


def _lock(delivery: Delivery | int) -> Delivery:
    pk = delivery.pk if isinstance(delivery, Delivery) else delivery
    found = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("order", "order__shop", "order__buyer", "hub", "courier", "courier__user")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Antaran tidak ditemukan."), code="unknown_delivery")
    return found


# An external courier's booking is followed (`sync_external`) this often until it ends.
EXTERNAL_POLL = timedelta(minutes=5)


def next_cutoff(hub: Hub, after: datetime) -> datetime:
    """The first cut-off of the hub strictly after `after` (local time, maybe tomorrow)."""
    local = timezone.localtime(after)
    times = hub.cutoff_times or conf.get("DEFAULT_CUTOFFS")
    for days in range(0, 3):
        day = local.date() + timedelta(days=days)
        for text in sorted(times):
            moment = timezone.make_aware(datetime.combine(day, datetime.strptime(text, _TIME_FORMAT).time()))
            if moment > after:
                return moment
    return after + timedelta(hours=1)


def schedule_dispatch(at: datetime) -> None:
    """The dispatcher (`dispatch_due`) has work in this tenant at `at` (due-work index)."""
    schedule_due(Kind.FULFILLMENT, at)
