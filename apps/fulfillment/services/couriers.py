"""Couriers: registration, availability and location pings."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Conflict, Forbidden, ValidationFailed

from .. import conf, solver
from ..models import (
    Courier,
    CourierPing,
    Delivery,
    Hub,
    Vehicle,
)
from ._common import _TIME_FORMAT, TooManyRequests, _number, _require_operator, _whole, clean_point, clean_times


def _clean_time(value: Any, *, field: str) -> time:
    if isinstance(value, time):
        return value
    return datetime.strptime(clean_times([value], field=field)[0], _TIME_FORMAT).time()


@transaction.atomic
def register_courier(
    user: User,
    *,
    actor: User,
    vehicle: str,
    home_hub: Hub,
    shift_start: Any,
    shift_end: Any,
    work_days: Iterable[Any] = (),
    capacity_kg: Any = None,
    speed_kmh: Any = None,
    cost_per_km: Any = None,
    earning_per_delivery: Any = 5_000,
) -> Courier:
    """Make a user with role kurir a courier of a hub (defaults per vehicle from the solver)."""
    _require_operator(home_hub, actor)
    if not user.has_role(Role.KURIR):
        raise ValidationFailed(_("Pengguna ini belum punya peran kurir."), code="not_courier", field="user")
    if vehicle not in Vehicle.values:
        raise ValidationFailed(_("Jenis kendaraan tidak dikenal."), code="invalid_vehicle", field="vehicle")
    if Courier.objects.filter(user=user).exists():
        raise Conflict(_("Pengguna ini sudah terdaftar sebagai kurir."), code="courier_exists")
    defaults = solver.KIND_DEFAULTS[solver.VehicleKind(vehicle)]
    start = _clean_time(shift_start, field="shift_start")
    end = _clean_time(shift_end, field="shift_end")
    if end <= start:
        raise ValidationFailed(_("Shift harus selesai setelah mulai."), code="invalid_shift", field="shift_end")
    days = sorted({_whole(d, field="work_days", label=_("Hari kerja")) for d in work_days})
    if any(d > 6 for d in days):
        raise ValidationFailed(_("Hari kerja harus 0 (Senin) sampai 6 (Minggu)."), field="work_days")
    capacity = defaults.capacity if capacity_kg in (None, "") else capacity_kg
    speed = defaults.speed_kmh if speed_kmh in (None, "") else speed_kmh
    cost = defaults.cost_per_km if cost_per_km in (None, "") else cost_per_km
    return Courier.objects.create(
        user=user,
        vehicle=vehicle,
        home_hub=home_hub,
        shift_start=start,
        shift_end=end,
        work_days=days,
        capacity_kg=_whole(capacity, field="capacity_kg", label=_("Kapasitas")),
        speed_kmh=Decimal(str(round(_number(speed, field="speed_kmh", label=_("Kecepatan"), minimum=0.5), 1))),
        cost_per_km=_whole(cost, field="cost_per_km", label=_("Biaya per km"), rupiah=True),
        earning_per_delivery=_whole(earning_per_delivery, field="earning_per_delivery", label=_("Upah"), rupiah=True),
    )


@transaction.atomic
def set_availability(courier: Courier, available: bool, *, actor: User) -> Courier:
    courier = Courier.objects.select_for_update().select_related("home_hub").get(pk=courier.pk)
    if actor.pk != courier.user_id:
        _require_operator(courier.home_hub, actor)
    courier.is_available = bool(available)
    courier.save(update_fields=["is_available"])
    return courier


def courier_of(user: User) -> Courier:
    courier = Courier.objects.select_related("home_hub", "user").filter(user=user, is_active=True).first()
    if courier is None:
        raise Forbidden(_("Anda tidak terdaftar sebagai kurir aktif."), code="not_courier")
    return courier


def _parse_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            number = float(str(value))
        except (TypeError, ValueError):
            number = math.nan
        if math.isfinite(number):
            moment = datetime.fromtimestamp(
                number / 1000 if number > 1e11 else number, tz=timezone.get_current_timezone()
            )
        else:
            try:
                moment = datetime.fromisoformat(str(value))
            except ValueError:
                raise ValidationFailed(_("Waktu lokasi tidak valid."), code="invalid_timestamp", field="ts") from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@transaction.atomic
def record_ping(
    user: User, *, lat: Any, lng: Any, accuracy: Any, recorded_at: Any, delivery_code: str = ""
) -> CourierPing:
    """A GPS fix from the courier's phone. Refused, with nothing changed: not a courier / not
    this courier's delivery (403), bad point or outside the area / too vague / from the future
    (422), not newer than the last fix (409), less than PING_MIN_INTERVAL_S after it (429)."""
    courier = courier_of(user)
    courier = Courier.objects.select_for_update().get(pk=courier.pk)
    if delivery_code:
        delivery = Delivery.objects.filter(code=str(delivery_code)[:16]).first()
        if delivery is None or delivery.courier_id != courier.pk:
            raise Forbidden(_("Antaran ini bukan tugas Anda."), code="not_your_delivery")
    lat_d, lng_d = clean_point(lat, lng)
    acc = _whole(accuracy, field="accuracy", label=_("Akurasi"))
    if acc > conf.get("PING_MAX_ACCURACY_M"):
        raise ValidationFailed(_("Lokasi terlalu tidak akurat (%(m)d m).") % {"m": acc}, code="inaccurate")
    at = _parse_timestamp(recorded_at)
    now = timezone.now()
    if at > now + timedelta(seconds=conf.get("PING_MAX_SKEW_S")):
        raise ValidationFailed(_("Waktu lokasi ada di masa depan."), code="future_timestamp", field="ts")
    if courier.last_ping_at is not None:
        if at <= courier.last_ping_at:
            raise Conflict(_("Lokasi ini lebih lama dari lokasi terakhir."), code="stale_ping")
        if (at - courier.last_ping_at).total_seconds() < conf.get("PING_MIN_INTERVAL_S"):
            raise TooManyRequests(
                _("Terlalu sering mengirim lokasi; tunggu %(s)d detik.") % {"s": conf.get("PING_MIN_INTERVAL_S")},
                code="too_many_pings",
            )
    courier.lat, courier.lng, courier.accuracy_m, courier.last_ping_at = lat_d, lng_d, acc, at
    courier.save(update_fields=["lat", "lng", "accuracy_m", "last_ping_at"])
    return CourierPing.objects.create(courier=courier, lat=lat_d, lng=lng_d, accuracy_m=acc, recorded_at=at)
