"""Fulfillment writes: hubs, consignment, couriers, deliveries, dispatch, routing jobs, courier actions.

Every write is one atomic function raising `apps.core.errors`. Lock order, so nothing
deadlocks: routing job → delivery rows (ascending id) → marketplace order (its own
`transition`) → stock rows. Status changes of a delivery go through `_move`, which writes a
`DeliveryEvent` and notifies the buyer and the shop in the same transaction.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time as walltime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Max, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.uploads import JPEG, PNG, WEBP, UploadRule, check_upload
from apps.marketplace import services as market
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.marketplace.models import Allocation, DeliveryMethod, Order, Stock, Variant
from apps.notifications.services import notify

from . import conf, hours, solver
from .external import CacheSandboxStore
from .models import (
    Batch,
    ConsignmentMovement,
    Courier,
    CourierEarning,
    CourierPing,
    Delivery,
    DeliveryEvent,
    Hub,
    Route,
    RouteStop,
    RoutingJob,
    Vehicle,
)
from .solver import couriers as external

logger = logging.getLogger(__name__)
DStatus = Delivery.Status

EARTH_RADIUS_M = 6_371_008.8
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


# --- input checks -------------------------------------------------------------------------


def _number(value: Any, *, field: str, label: str, minimum: float | None = None) -> float:
    try:
        number = float(str(value).strip().replace(",", "."))
    except (TypeError, ValueError):
        raise ValidationFailed(_("%(label)s harus berupa angka.") % {"label": label}, field=field) from None
    if not math.isfinite(number) or (minimum is not None and number < minimum):
        raise ValidationFailed(_("%(label)s tidak valid.") % {"label": label}, field=field)
    return number


def _whole(value: Any, *, field: str, label: str, minimum: int = 0) -> int:
    number = _number(value, field=field, label=label)
    if number != int(number) or number < minimum:
        raise ValidationFailed(
            _("%(label)s harus bilangan bulat minimal %(min)d.") % {"label": label, "min": minimum}, field=field
        )
    return int(number)


def tenant_area() -> tuple[float, float, float] | None:
    """(lat, lng, radius in metres) of the current tenant's service area, None when unknown."""
    tenant = getattr(connection, "tenant", None)
    lat, lng = getattr(tenant, "lat", None), getattr(tenant, "lng", None)
    if lat is None or lng is None:
        return None
    radii: dict[str, float] = conf.get("TENANT_RADIUS_KM")
    radius_km = radii.get(str(getattr(tenant, "tenant_type", "")), max(radii.values()))
    return float(lat), float(lng), radius_km * 1000


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lng2 - lng1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


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
    if area is not None and haversine_m(area[0], area[1], lat_f, lng_f) > area[2]:
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


# --- hubs ---------------------------------------------------------------------------------


@transaction.atomic
def create_hub(
    *,
    actor: User,
    code: str,
    name: str,
    lat: Any,
    lng: Any,
    address: str = "",
    service_radius_m: Any = 3_000,
    capacity_volume_l: Any = 2_000,
    capacity_weight_kg: Any = 500,
    capacity_slots: Any = 100,
    opening_hours: dict[str, Any] | None = None,
    cutoff_times: Iterable[Any] | None = None,
    operators: Iterable[User] = (),
) -> Hub:
    """A hub with its marketplace stock location (kind hub), inside the tenant's area."""
    _require_staff(actor)
    lat_d, lng_d = clean_point(lat, lng)
    radius = _whole(service_radius_m, field="service_radius_m", label=_("Radius layanan"), minimum=100)
    volume = _whole(capacity_volume_l, field="capacity_volume_l", label=_("Kapasitas volume"))
    weight = _whole(capacity_weight_kg, field="capacity_weight_kg", label=_("Kapasitas berat"))
    slots = _whole(capacity_slots, field="capacity_slots", label=_("Kapasitas slot"))
    opening = market.clean_opening_hours(opening_hours)
    cutoffs = clean_times(cutoff_times if cutoff_times is not None else conf.get("DEFAULT_CUTOFFS"), field="cutoff")
    location = market.create_hub(code=code, name=name, address=address, lat=lat_d, lng=lng_d, actor=actor)
    hub = Hub.objects.create(
        code=location.code,
        name=location.name,
        location=location,
        address=location.address,
        lat=lat_d,
        lng=lng_d,
        service_radius_m=radius,
        capacity_volume_l=volume,
        capacity_weight_kg=weight,
        capacity_slots=slots,
        opening_hours=opening,
        cutoff_times=cutoffs,
    )
    people = list(operators)
    for person in people:
        if not person.has_role(Role.OPERATOR_HUB) and not person.is_staff:
            raise ValidationFailed(
                _("%(user)s bukan operator hub.") % {"user": person.username}, code="not_operator", field="operators"
            )
    hub.operators.set(people)
    return hub


def is_open(hub: Hub, at: datetime) -> bool:
    local = timezone.localtime(at)
    span = (hub.opening_hours or {}).get(str(local.weekday()))
    if not span:
        return not hub.opening_hours  # no hours set: always open
    return bool(span[0] <= local.strftime(_TIME_FORMAT) < span[1])


@transaction.atomic
def consign(
    hub: Hub, variant: Variant, quantity: Any, *, direction: str, actor: User, note: str = ""
) -> ConsignmentMovement:
    """A UMKM's goods come into (or leave) a hub: the hub's Stock row changes under a row lock
    and the movement is recorded with its actor. Outbound never takes what orders hold (409)."""
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    variant = Variant.objects.select_related("shop").get(pk=variant.pk)
    if actor.pk != variant.shop.owner_id:
        _require_operator(hub, actor)
    if direction not in ConsignmentMovement.Direction.values:
        raise ValidationFailed(_("Arah titipan tidak dikenal."), code="invalid_direction", field="direction")
    qty = _whole(quantity, field="quantity", label=_("Jumlah"), minimum=1)
    stock, _created = Stock.objects.get_or_create(variant=variant, location=hub.location)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    if direction == ConsignmentMovement.Direction.INBOUND:
        held = Stock.objects.filter(location=hub.location).aggregate(n=Sum("quantity"))["n"] or 0
        if held + qty > hub.capacity_slots * conf.get("UNITS_PER_SLOT"):
            raise Conflict(_("Hub sudah penuh; titipan ditolak."), code="hub_full")
        stock.quantity += qty
    else:
        if stock.quantity - qty < stock.quantity_allocated:
            raise Conflict(
                _("Hanya %(n)d yang bisa diambil: sisanya sudah dipesan.")
                % {"n": max(0, stock.quantity - stock.quantity_allocated)},
                code="below_allocated",
            )
        stock.quantity -= qty
    stock.save(update_fields=["quantity"])
    market.queue_listing_sync([variant.product_id])
    return ConsignmentMovement.objects.create(
        hub=hub,
        shop=variant.shop,
        variant=variant,
        direction=direction,
        quantity=qty,
        balance_after=stock.quantity,
        note=str(note or "")[:255],
        actor=actor,
    )


# --- couriers -----------------------------------------------------------------------------


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
        cost_per_km=_whole(cost, field="cost_per_km", label=_("Biaya per km")),
        earning_per_delivery=_whole(earning_per_delivery, field="earning_per_delivery", label=_("Upah")),
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


# --- hub assignment -----------------------------------------------------------------------


@dataclass
class HubSlot:
    hub_id: int
    lat: float
    lng: float
    radius_m: float
    slots_left: int
    weight_left: int


def hub_slots(at: datetime) -> list[HubSlot]:
    """Open, active hubs with what they can still take (slots and kg of open deliveries)."""
    open_states = [DStatus.PENDING, DStatus.BATCHED, DStatus.ASSIGNED]
    load = {
        row["hub_id"]: row
        for row in Delivery.objects.filter(status__in=open_states)
        .values("hub_id")
        .annotate(n=Count("pk"), kg=Sum("weight_kg"))
    }
    slots = []
    for hub in Hub.objects.filter(is_active=True).order_by("pk"):
        if not is_open(hub, at):
            continue
        used = load.get(hub.pk, {"n": 0, "kg": 0})
        slots.append(
            HubSlot(
                hub_id=hub.pk,
                lat=float(hub.lat),
                lng=float(hub.lng),
                radius_m=float(hub.service_radius_m),
                slots_left=hub.capacity_slots - int(used["n"] or 0),
                weight_left=hub.capacity_weight_kg - int(used["kg"] or 0),
            )
        )
    return slots


def distance_matrix_m(points: Sequence[tuple[float, float]], hubs: Sequence[HubSlot]) -> np.ndarray[Any, Any]:
    """Haversine distances (metres), orders × hubs, in one vectorised pass."""
    if not points or not hubs:
        return np.zeros((len(points), len(hubs)))
    p = np.radians(np.asarray(points, dtype=float))
    h = np.radians(np.asarray([(s.lat, s.lng) for s in hubs], dtype=float))
    dlat = p[:, None, 0] - h[None, :, 0]
    dlng = p[:, None, 1] - h[None, :, 1]
    a = np.sin(dlat / 2) ** 2 + np.cos(p[:, None, 0]) * np.cos(h[None, :, 0]) * np.sin(dlng / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a))))


def nearest_hubs(
    points: Sequence[tuple[float, float]], weights: Sequence[int], hubs: Sequence[HubSlot]
) -> list[int | None]:
    """For each point (in order), the nearest hub that serves it and still has room, or None.

    Vectorised haversine + argsort per row; capacity is consumed as points are placed. The
    final distance of the chosen hub is confirmed with geopy's great-circle distance."""
    from geopy.distance import great_circle

    if not hubs:
        return [None] * len(points)
    matrix = distance_matrix_m(points, hubs)
    reach = np.asarray([s.radius_m for s in hubs])
    reachable = np.where(matrix <= reach[None, :], matrix, np.inf)  # out of a hub's reach: never
    order = np.argsort(reachable, axis=1)
    chosen: list[int | None] = []
    for i, (point, weight) in enumerate(zip(points, weights, strict=True)):
        pick: int | None = None
        for j in order[i]:
            if not np.isfinite(reachable[i, j]):
                break  # sorted: the rest is out of reach too
            slot = hubs[int(j)]
            if slot.slots_left >= 1 and slot.weight_left >= weight:
                pick = int(j)
                break
        if pick is None:
            chosen.append(None)
            continue
        slot = hubs[pick]
        if great_circle(point, (slot.lat, slot.lng)).meters > slot.radius_m + 1:
            chosen.append(None)
            continue
        slot.slots_left -= 1
        slot.weight_left -= weight
        chosen.append(slot.hub_id)
    return chosen


# --- deliveries ---------------------------------------------------------------------------


def otp_for(delivery: Delivery) -> str:
    """The buyer's 6-digit code, derived (never stored in clear) from the delivery's identity."""
    digest = hmac.new(
        settings.SECRET_KEY.encode(), f"antar-otp:{connection.schema_name}:{delivery.code}".encode(), hashlib.sha256
    ).digest()
    return f"{int.from_bytes(digest[:6], 'big') % 1_000_000:06d}"


def _otp_hash(code: str, otp: str) -> str:
    return hashlib.sha256(f"{code}:{otp}".encode()).hexdigest()


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


def _announce(delivery: Delivery, event: str, title: str, body: str) -> None:
    order = delivery.order
    notify(
        [order.buyer, order.shop.owner],
        event=f"fulfillment.{event}",
        title=title,
        body=body,
        url=f"/antar/lacak/{delivery.code}/",
        key=f"antar-{delivery.pk}-{event}",
    )


def _move(delivery: Delivery, action: str, target: str, *, actor: User | None, note: str = "") -> None:
    previous = delivery.status
    delivery.status = target
    DeliveryEvent.objects.create(
        delivery=delivery,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor if actor is not None and actor.pk else None,
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
    lat: Any,
    lng: Any,
    address: str,
    window_start: datetime | None = None,
    window_end: datetime | None = None,
    weight_kg: Any = 1,
    now: datetime | None = None,
) -> Delivery:
    """A delivery for a marketplace order sent "lewat hub": the buyer's map point, the nearest
    open hub with room (or the hub holding the goods), the time window, the OTP."""
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
    drop_lat, drop_lng = clean_point(lat, lng)
    address = str(address or order.delivery_address or "").strip()[:255]
    if not address:
        raise ValidationFailed(_("Alamat antar wajib diisi."), code="required", field="address")
    weight = _whole(weight_kg, field="weight_kg", label=_("Berat"), minimum=1)
    goods_hub = _hub_of_goods(order)
    if goods_hub is not None:
        hub = goods_hub
        pickup_from, p_lat, p_lng = Delivery.PickupFrom.HUB, hub.lat, hub.lng
        if haversine_m(float(hub.lat), float(hub.lng), float(drop_lat), float(drop_lng)) > hub.service_radius_m:
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
        if picked is None:
            raise _no_hub(now)
        hub = Hub.objects.get(pk=picked)
    if window_start is None:
        window_start = next_cutoff(hub, now)
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
    DeliveryEvent.objects.create(delivery=delivery, action="create", to_status=DStatus.PENDING, actor=actor)
    _announce(
        delivery,
        "created",
        _("Pesanan %(number)s akan diantar") % {"number": order.number},
        _("Pesanan akan diantar lewat %(hub)s. Kode lacak: %(code)s.") % {"hub": hub.name, "code": delivery.code},
    )
    return delivery


def _no_hub(now: datetime) -> Conflict:
    """The seller's "Kirim lewat hub" refusal, naming when the next hub opens if none is open."""
    message = _("Tidak ada hub buka yang menjangkau alamat ini dan masih punya tempat.")
    upcoming = hours.next_opening(now)
    if upcoming is None:
        return Conflict(message, code="no_hub_available")
    hub, opens_at = upcoming
    if opens_at <= now:
        return Conflict(message, code="no_hub_available")
    when = hours.describe(opens_at, now)
    message = _("Hub belum buka. %(hub)s buka lagi %(when)s; kirim lewat hub mulai jam itu.") % {
        "hub": hub.name,
        "when": when,
    }
    return Conflict(message, code="no_hub_available", opens_at=opens_at.isoformat(), hub=hub.code)


# --- dispatch -----------------------------------------------------------------------------


def _last_cutoff(hub: Hub, now: datetime) -> datetime | None:
    local = timezone.localtime(now)
    best: datetime | None = None
    for text in hub.cutoff_times or conf.get("DEFAULT_CUTOFFS"):
        moment = timezone.make_aware(datetime.combine(local.date(), datetime.strptime(text, _TIME_FORMAT).time()))
        if moment <= now and (best is None or moment > best):
            best = moment
    return best


@transaction.atomic
def dispatch_due(now: datetime | None = None) -> list[int]:
    """Close every hub's batch whose cut-off has passed: pending deliveries made before the
    cut-off join the batch (one per hub per cut-off), and a routing job is queued after
    commit. Idempotent: running it twice makes no second batch nor job. Jobs left queued or
    running for STALE_JOB_MINUTES (their worker died) are queued again; they are safe to rerun."""
    from apps.core.tasks import enqueue_on_commit

    from .tasks import run_routing_job as routing_task

    now = now or timezone.now()
    job_ids: list[int] = []
    for hub in Hub.objects.filter(is_active=True).order_by("pk"):
        cutoff = _last_cutoff(hub, now)
        if cutoff is None:
            continue
        due = list(
            Delivery.objects.select_for_update()
            .filter(hub=hub, status=DStatus.PENDING, created_at__lte=cutoff)
            .order_by("pk")
        )
        if not due:
            continue
        batch, _created = Batch.objects.get_or_create(hub=hub, cutoff_at=cutoff)
        if batch.status == Batch.Status.ROUTED:
            # Routed already (stragglers, e.g. an unassigned order sent back): they wait for the next cut-off.
            continue
        for delivery in due:
            delivery.batch = batch
            _move(delivery, "batch", DStatus.BATCHED, actor=None, note=str(batch))
        Delivery.objects.bulk_update(due, ["batch", "status", "updated_at"])
        job, _created = RoutingJob.objects.get_or_create(batch=batch)
        job_ids.append(job.pk)
    stale_before = now - timedelta(minutes=conf.get("STALE_JOB_MINUTES"))
    stale = RoutingJob.objects.filter(
        Q(status=RoutingJob.Status.QUEUED, created_at__lt=stale_before)
        | Q(status=RoutingJob.Status.RUNNING, started_at__lt=stale_before)
    ).exclude(pk__in=job_ids)
    job_ids.extend(stale.order_by("pk").values_list("pk", flat=True))  # a worker died: run them again
    for job_id in job_ids:
        enqueue_on_commit(routing_task, job_id)
    return job_ids


@transaction.atomic
def batch_now(hub: Hub, *, actor: User, now: datetime | None = None) -> RoutingJob | None:
    """Staff/hub operator: close a batch for the hub right now (e.g. rush hour) and route it."""
    from apps.core.tasks import enqueue_on_commit

    from .tasks import run_routing_job as routing_task

    _require_operator(hub, actor)
    now = now or timezone.now()
    due = list(Delivery.objects.select_for_update().filter(hub=hub, status=DStatus.PENDING).order_by("pk"))
    if not due:
        return None
    batch, _created = Batch.objects.get_or_create(hub=hub, cutoff_at=now.replace(microsecond=0))
    for delivery in due:
        delivery.batch = batch
        _move(delivery, "batch", DStatus.BATCHED, actor=actor, note=str(batch))
    Delivery.objects.bulk_update(due, ["batch", "status", "updated_at"])
    job, _created = RoutingJob.objects.get_or_create(batch=batch)
    job_id = job.pk
    enqueue_on_commit(routing_task, job_id)
    return job


@dataclass
class _Clock:
    day: date
    origin: datetime  # local midnight of `day`

    def seconds(self, moment: datetime) -> int:
        return max(0, int((moment - self.origin).total_seconds()))

    def at(self, seconds: int) -> datetime:
        return self.origin + timedelta(seconds=seconds)


def _clock_for(moment: datetime) -> _Clock:
    day = timezone.localtime(moment).date()
    return _Clock(day, timezone.make_aware(datetime.combine(day, time.min)))


def _point(lat: Decimal, lng: Decimal) -> solver.Point:
    return solver.Point(float(lat), float(lng))


def build_problem(
    batch: Batch, deliveries: Sequence[Delivery], now: datetime
) -> tuple[solver.Problem, _Clock, dict[str, Courier], list[tuple[Delivery, str]]]:
    """The solver's view of a batch: its hub, the couriers of the hub on shift (from now, or
    from the end of their earlier routes today) and one order per delivery (a shop → buyer
    pair, or hub → buyer when the goods wait at the hub). Deliveries whose window has already
    passed are returned aside with the reason `window_passed`."""
    clock = _clock_for(max(now, batch.cutoff_at))
    hub = batch.hub
    start_s = clock.seconds(now)
    vehicles: list[solver.Vehicle] = []
    couriers: dict[str, Courier] = {}
    busy_until = {
        row["courier_id"]: row["last"]
        for row in Route.objects.filter(day=clock.day, courier__home_hub=hub)
        .exclude(job__batch=batch)
        .values("courier_id")
        .annotate(last=Max("ends_at"))
    }
    weekday = clock.day.weekday()
    for courier in Courier.objects.filter(home_hub=hub, is_active=True, is_available=True).order_by("pk"):
        if courier.work_days and weekday not in courier.work_days:
            continue
        shift_start = clock.seconds(timezone.make_aware(datetime.combine(clock.day, courier.shift_start)))
        shift_end = clock.seconds(timezone.make_aware(datetime.combine(clock.day, courier.shift_end)))
        begin = max(shift_start, start_s)
        if courier.pk in busy_until:
            begin = max(begin, clock.seconds(busy_until[courier.pk]))
        if begin >= shift_end:
            continue
        vid = str(courier.pk)
        couriers[vid] = courier
        vehicles.append(
            solver.Vehicle(
                id=vid,
                start_hub=hub.code,
                capacity=courier.capacity_kg,
                speed_kmh=float(courier.speed_kmh),
                cost_per_km=courier.cost_per_km,
                kind=solver.VehicleKind(courier.vehicle),
                shift=solver.TimeWindow(begin, shift_end),
            )
        )
    orders: list[solver.Order] = []
    aside: list[tuple[Delivery, str]] = []
    for d in deliveries:
        end = clock.seconds(d.window_end)
        if d.window_end <= now or end <= 0:
            aside.append((d, "window_passed"))
            continue
        window = solver.TimeWindow(min(clock.seconds(d.window_start), end), end)
        dropoff = solver.Stop(_point(d.dropoff_lat, d.dropoff_lng), window, conf.get("DROPOFF_SERVICE_S"))
        pickup = None
        if d.pickup_from == Delivery.PickupFrom.SHOP:
            pickup = solver.Stop(_point(d.pickup_lat, d.pickup_lng), None, conf.get("PICKUP_SERVICE_S"))
        orders.append(solver.Order(id=str(d.pk), dropoff=dropoff, demand=d.weight_kg, pickup=pickup))
    problem = solver.Problem(
        hubs=[solver.Hub(id=hub.code, point=_point(hub.lat, hub.lng), name=hub.name)],
        orders=orders,
        vehicles=vehicles,
    )
    return problem, clock, couriers, aside


def _start_job(job_id: int) -> RoutingJob | None:
    with transaction.atomic():
        job = RoutingJob.objects.select_for_update().select_related("batch", "batch__hub").get(pk=job_id)
        if job.status == RoutingJob.Status.SUCCEEDED:
            return None
        job.status = RoutingJob.Status.RUNNING
        job.attempts += 1
        job.started_at = job.heartbeat_at = timezone.now()
        job.finished_at = None
        job.error = ""
        job.save(update_fields=["status", "attempts", "started_at", "heartbeat_at", "finished_at", "error"])
        Batch.objects.filter(pk=job.batch_id).update(status=Batch.Status.ROUTING)
        return job


def _heartbeat(job_id: int) -> None:
    """This run is alive (the stale-job sweep requeues a running job whose heartbeat stopped)."""
    RoutingJob.objects.filter(pk=job_id, status=RoutingJob.Status.RUNNING).update(heartbeat_at=timezone.now())


def run_routing_job(
    job_id: int, *, now: datetime | None = None, gateway: external.CourierGateway | None = None
) -> RoutingJob:
    """Route one batch. Three steps: mark the job running (committed, so staff see it), solve
    outside any transaction, then write routes, stops and assignments in ONE transaction that
    first re-locks the job and skips if another run already finished it. A run killed before
    that commit leaves nothing behind and can simply run again; a second run is a no-op.
    Orders nobody local can serve then go to the external courier (idempotent per delivery)."""
    now = now or timezone.now()
    job = _start_job(job_id)
    if job is None:
        finished = RoutingJob.objects.get(pk=job_id)
        book_external_for_batch(finished.batch_id, gateway=gateway)
        return finished
    batch = job.batch
    deliveries = list(
        Delivery.objects.filter(batch=batch, status=DStatus.BATCHED).order_by("pk").select_related("order")
    )
    try:
        problem, clock, couriers, aside = build_problem(batch, deliveries, now)
        _heartbeat(job_id)
        limit = float(conf.get("SOLVER_SECONDS"))
        started = walltime.perf_counter()
        matrix = matrix_provider().matrix(problem.points(), timeout_s=limit / 4)
        plan = solver.solve(
            problem,
            solver.SolveOptions(
                time_limit_s=max(0.2, limit - (walltime.perf_counter() - started)),
                objective=solver.Objective(conf.get("SOLVER_OBJECTIVE")),
            ),
            matrix=matrix,
        )
        wall_ms = int((walltime.perf_counter() - started) * 1000)
        _heartbeat(job_id)
        problems = solver.check_plan(problem, plan, matrix)
        if problems:  # never write a plan that breaks a capacity, window or shift
            raise RuntimeError("; ".join(problems[:5]))
    except (ValueError, RuntimeError) as exc:  # InvalidProblem/MatrixError are ValueErrors
        logger.exception("routing job %s failed", job_id)
        RoutingJob.objects.filter(pk=job_id).update(
            status=RoutingJob.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        Batch.objects.filter(pk=batch.pk).update(status=Batch.Status.OPEN)
        return RoutingJob.objects.get(pk=job_id)
    _write_plan(job_id, plan, clock, couriers, aside, wall_ms)
    book_external_for_batch(batch.pk, gateway=gateway)
    return RoutingJob.objects.get(pk=job_id)


@transaction.atomic
def _write_plan(
    job_id: int,
    plan: solver.Plan,
    clock: _Clock,
    couriers: dict[str, Courier],
    aside: list[tuple[Delivery, str]],
    wall_ms: int,
) -> None:
    job = RoutingJob.objects.select_for_update().select_related("batch", "batch__hub").get(pk=job_id)
    if job.status == RoutingJob.Status.SUCCEEDED:
        return  # another run finished first
    job.routes.all().delete()  # leftovers of nothing: a crashed run never committed, but be explicit
    locked = {
        str(d.pk): d
        for d in Delivery.objects.select_for_update(of=("self",))
        .filter(batch=job.batch, status=DStatus.BATCHED)
        .select_related("order", "order__shop", "order__buyer", "hub")
        .order_by("pk")
    }
    assigned = 0
    for plan_route in plan.routes:
        stops = [v for v in plan_route.stops if v.order_id in locked]
        if not stops:
            continue
        courier = couriers[plan_route.vehicle_id]
        route = Route.objects.create(
            job=job,
            courier=courier,
            day=clock.day,
            distance_m=plan_route.distance_m,
            duration_s=plan_route.duration_s,
            cost=plan_route.cost,
            starts_at=clock.at(plan_route.visits[0].departure_s),
            ends_at=clock.at(plan_route.visits[-1].arrival_s),
            path=[[v.point.lat, v.point.lng] for v in plan_route.visits],
        )
        for seq, visit in enumerate(stops, start=1):
            delivery = locked[str(visit.order_id)]
            kind = RouteStop.Kind.PICKUP if visit.kind is solver.VisitKind.PICKUP else RouteStop.Kind.DROPOFF
            RouteStop.objects.create(
                route=route,
                delivery=delivery,
                kind=kind,
                seq=seq,
                lat=Decimal(f"{visit.point.lat:.6f}"),
                lng=Decimal(f"{visit.point.lng:.6f}"),
                eta=clock.at(visit.start_s),
            )
            if kind == RouteStop.Kind.DROPOFF:
                delivery.route = route
                delivery.courier = courier
                delivery.eta = clock.at(visit.start_s)
                delivery.unassigned_reason = ""
                _move(delivery, "assign", DStatus.ASSIGNED, actor=None, note=str(courier))
                delivery.save()
                assigned += 1
                _announce(
                    delivery,
                    "assigned",
                    _("Kurir untuk pesanan %(number)s") % {"number": delivery.order.number},
                    _("%(courier)s akan mengantar pesanan Anda, perkiraan tiba %(eta)s.")
                    % {"courier": courier, "eta": timezone.localtime(delivery.eta).strftime(_TIME_FORMAT)},
                )
    reasons = {u.order_id: str(u.reason) for u in plan.unassigned}
    reasons.update({str(d.pk): code for d, code in aside})
    for oid, code in reasons.items():
        left_out = locked.get(oid)
        if left_out is None:
            continue
        delivery = left_out
        delivery.unassigned_reason = code
        delivery.save(update_fields=["unassigned_reason", "updated_at"])
        DeliveryEvent.objects.create(
            delivery=delivery,
            action="unassigned",
            from_status=delivery.status,
            to_status=delivery.status,
            note=reason_label(code)[:255],
        )
    job.status = RoutingJob.Status.SUCCEEDED
    job.finished_at = timezone.now()
    job.orders_total = len(locked)
    job.assigned_count = assigned
    job.unassigned_count = len(locked) - assigned
    job.routes_count = job.routes.count()
    job.distance_m = sum(r.distance_m for r in plan.routes)
    job.cost = sum(r.cost for r in plan.routes)
    job.backend = plan.backend[:16]
    job.wall_time_ms = wall_ms
    job.save()
    Batch.objects.filter(pk=job.batch_id).update(status=Batch.Status.ROUTED)


def matrix_provider() -> solver.MatrixProvider:
    """Road distances from an OSRM-compatible server when FULFILLMENT_OSRM_URL is set (falling
    back to haversine × detour when it fails), else haversine × detour."""
    url = str(conf.get("OSRM_URL") or "")
    if url:
        return solver.OsrmProvider(url, profile=str(conf.get("OSRM_PROFILE")))
    return solver.HaversineProvider()


# Per-tenant client configuration only (the service area): the sandbox's quotes and bookings
# live in the shared cache store, so every process and worker sees the same ones.
_GATEWAYS: dict[str, external.CourierGateway] = {}


def gateway() -> external.CourierGateway:
    """The external courier API for this tenant (the sandbox until a real adapter is configured),
    its state in Django's cache (Redis in deployments): shared by the web process and workers."""
    schema = connection.schema_name
    found = _GATEWAYS.get(schema)
    if found is None:
        area = tenant_area()
        center = solver.Point(area[0], area[1]) if area else solver.Point(-7.629454, 111.527267)
        radius = area[2] if area else 15_000.0
        found = external.SandboxCourierGateway(
            area=external.ServiceArea.circle(center, radius), prefix="SBX", store=CacheSandboxStore()
        )
        _GATEWAYS[schema] = found
    return found


def book_external_for_batch(batch_id: int, *, gateway: external.CourierGateway | None = None) -> int:
    """Book the external courier for each delivery the local couriers could not serve (each in
    its own transaction, idempotent per delivery by its booking key); deliveries it cannot
    take go back to pending for the next cut-off, keeping the reason. Returns bookings made."""
    ids = list(
        Delivery.objects.filter(batch_id=batch_id, status=DStatus.BATCHED).order_by("pk").values_list("pk", flat=True)
    )
    booked = 0
    for pk in ids:
        booked += int(_book_external(pk, gateway))
    if booked:
        RoutingJob.objects.filter(batch_id=batch_id).update(
            external_count=Delivery.objects.filter(batch_id=batch_id).exclude(external_booking="").count()
        )
    return booked


@transaction.atomic
def _book_external(delivery_id: int, api: external.CourierGateway | None) -> bool:
    delivery = _lock(delivery_id)
    if delivery.status != DStatus.BATCHED:
        return False
    api = api or gateway()
    request = external.QuoteRequest(
        pickup=_point(delivery.pickup_lat, delivery.pickup_lng),
        dropoff=_point(delivery.dropoff_lat, delivery.dropoff_lng),
        weight=delivery.weight_kg,
        reference=delivery.code,
    )
    try:
        quote = api.quote(request)
        booking = api.book(quote.id, idempotency_key=f"antar-{connection.schema_name}-{delivery.code}")
    except external.CourierError as exc:
        code = f"external_{exc.code}"
        local = delivery.unassigned_reason
        delivery.unassigned_reason = local or code
        _move(delivery, "requeue", DStatus.PENDING, actor=None, note=f"{reason_label(local)} {reason_label(code)}")
        delivery.batch = None
        delivery.save()
        return False
    delivery.external_provider = str(conf.get("EXTERNAL_PROVIDER"))
    delivery.external_booking = booking.id
    delivery.external_price = booking.price
    delivery.eta = timezone.now() + timedelta(seconds=quote.delivery_eta_s)
    _move(delivery, "assign_external", DStatus.ASSIGNED, actor=None, note=booking.id)
    delivery.save()
    _announce(
        delivery,
        "assigned",
        _("Kurir untuk pesanan %(number)s") % {"number": delivery.order.number},
        _("Pesanan Anda diantar kurir mitra, perkiraan tiba %(eta)s.")
        % {"eta": timezone.localtime(delivery.eta).strftime(_TIME_FORMAT)},
    )
    return True


# --- courier actions ----------------------------------------------------------------------


def _require_handler(delivery: Delivery, actor: User) -> None:
    """The delivery's own courier, or an operator of its hub / staff."""
    if delivery.courier is not None and delivery.courier.user_id == actor.pk:
        return
    if _is_operator(delivery.hub, actor):
        return
    raise Forbidden(_("Antaran ini bukan tugas Anda."), code="not_your_delivery")


def _status_conflict(delivery: Delivery) -> Conflict:
    return Conflict(
        _("Antaran berstatus “%(status)s” tidak bisa diubah begitu.") % {"status": delivery.get_status_display()},
        code="invalid_transition",
        status=delivery.status,
    )


def _mark_stop(delivery: Delivery, kind: str, at: datetime) -> None:
    RouteStop.objects.filter(delivery=delivery, kind=kind, done_at__isnull=True).update(done_at=at)


@transaction.atomic
def mark_picked_up(delivery: Delivery, *, actor: User) -> Delivery:
    """The courier has the parcel: the marketplace order is handed over ("ship")."""
    delivery = _lock(delivery)
    _require_handler(delivery, actor)
    if delivery.status == DStatus.PICKED_UP:
        return delivery  # a double tap
    if delivery.status != DStatus.ASSIGNED:
        raise _status_conflict(delivery)
    _pick_up(delivery, actor)
    return delivery


def _pick_up(delivery: Delivery, actor: User | None) -> None:
    """The parcel left with the courier (the caller holds the delivery's lock, status assigned):
    the marketplace order is handed over ("ship", by the shop's hand: couriers may only deliver)."""
    order = delivery.order
    note = _("Diambil kurir %(courier)s (antaran %(code)s).") % {
        "courier": delivery.courier or delivery.external_provider,
        "code": delivery.code,
    }
    if order.status == OrderStatus.ACCEPTED:
        order = market.transition(order, "pack", actor=order.shop.owner, note=note)
    if order.status == OrderStatus.PACKED:
        market.transition(order, "ship", actor=order.shop.owner, note=note)
    elif order.status != OrderStatus.SHIPPED:
        raise Conflict(
            _("Pesanan berstatus “%(status)s”; barang tidak boleh diambil.") % {"status": order.get_status_display()},
            code="order_not_ready",
        )
    now = timezone.now()
    delivery.picked_up_at = now
    _move(delivery, "pick_up", DStatus.PICKED_UP, actor=actor)
    delivery.save()
    _mark_stop(delivery, RouteStop.Kind.PICKUP, now)
    _announce(
        delivery,
        "picked_up",
        _("Pesanan %(number)s dibawa kurir") % {"number": delivery.order.number},
        _("Pesanan sedang dalam perjalanan. Lacak di halaman antaran."),
    )


PROOF_RULE = UploadRule(
    field="photo",
    allowed=(JPEG, PNG, WEBP),
    max_bytes=conf.MAX_PROOF_BYTES,
    label=gettext_lazy("Foto bukti"),
)


def mark_delivered(
    delivery: Delivery, *, actor: User, otp: str = "", photo: UploadedFile[Any] | None = None
) -> Delivery:
    """Delivered with proof: the buyer's OTP (5 tries, a wrong try is counted even though the
    call is refused) or a photo (JPEG/PNG/WebP by content). The order becomes "delivered" and
    the courier earns the delivery fee."""
    otp = str(otp or "").strip()
    if otp and not _check_otp(delivery.pk, otp, actor):
        raise ValidationFailed(_("Kode dari pembeli salah."), code="wrong_otp", field="otp")
    return _deliver(delivery, actor=actor, otp_ok=bool(otp), photo=photo)


@transaction.atomic
def _check_otp(delivery_id: int, otp: str, actor: User) -> bool:
    delivery = _lock(delivery_id)
    _require_handler(delivery, actor)
    if delivery.status != DStatus.PICKED_UP:
        return True  # _deliver reports the status
    if delivery.otp_attempts >= conf.get("OTP_MAX_ATTEMPTS"):
        raise Conflict(_("Terlalu banyak kode salah; pakai foto bukti."), code="otp_locked")
    if hmac.compare_digest(_otp_hash(delivery.code, otp), delivery.otp_hash):
        return True
    delivery.otp_attempts += 1
    delivery.save(update_fields=["otp_attempts"])
    return False


@transaction.atomic
def _deliver(delivery: Delivery, *, actor: User, otp_ok: bool, photo: UploadedFile[Any] | None) -> Delivery:
    delivery = _lock(delivery)
    _require_handler(delivery, actor)
    if delivery.status == DStatus.DELIVERED:
        return delivery
    if delivery.status != DStatus.PICKED_UP:
        raise _status_conflict(delivery)
    if otp_ok:
        delivery.proof_kind = "otp"
    elif photo is not None:
        checked = check_upload(photo, PROOF_RULE)
        delivery.proof_photo.save(f"bukti.{checked.kind.extension}", checked.file, save=False)
        delivery.proof_kind = "photo"
    else:
        raise ValidationFailed(_("Masukkan kode dari pembeli atau unggah foto bukti."), code="proof_required")
    _complete(delivery, actor)
    return delivery


def _complete(delivery: Delivery, actor: User | None) -> None:
    """Delivered (the caller holds the lock and has set `proof_kind`): the order is delivered,
    the courier earns the delivery fee, buyer and shop hear of it."""
    now = timezone.now()
    delivery.delivered_at = now
    delivery.on_time = now <= delivery.window_end
    proofs = {"otp": _("Bukti: kode dari pembeli"), "photo": _("Bukti: foto"), "external": _("Bukti: kurir mitra")}
    _move(delivery, "deliver", DStatus.DELIVERED, actor=actor, note=proofs.get(delivery.proof_kind, ""))
    delivery.save()
    _mark_stop(delivery, RouteStop.Kind.DROPOFF, now)
    order = Order.objects.select_related("shop", "shop__owner").get(
        pk=delivery.order_id
    )  # fresh: it may just have shipped
    if order.status == OrderStatus.SHIPPED:
        courier_user = delivery.courier.user if delivery.courier is not None else order.shop.owner
        market.transition(
            order, "deliver", actor=courier_user, note=_("Diantar, antaran %(code)s.") % {"code": delivery.code}
        )
    if delivery.courier is not None:
        CourierEarning.objects.get_or_create(
            delivery=delivery,
            defaults={"courier": delivery.courier, "amount": delivery.courier.earning_per_delivery},
        )
    _announce(
        delivery,
        "delivered",
        _("Pesanan %(number)s sudah sampai") % {"number": order.number},
        _("Pesanan sudah diterima di %(address)s.") % {"address": delivery.dropoff_address},
    )


def sync_external(api: external.CourierGateway | None = None) -> int:
    """Follow the external courier's bookings (`track`): picked up → the order ships, delivered →
    the order is delivered; a booking the provider cancelled sends the delivery back to pending
    for the next cut-off. Each delivery in its own transaction; returns how many changed."""
    ids = list(
        Delivery.objects.filter(status__in=[DStatus.ASSIGNED, DStatus.PICKED_UP])
        .exclude(external_booking="")
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return sum(int(_sync_one(pk, api or gateway())) for pk in ids)


@transaction.atomic
def _sync_one(delivery_id: int, api: external.CourierGateway) -> bool:
    delivery = _lock(delivery_id)
    if delivery.status not in (DStatus.ASSIGNED, DStatus.PICKED_UP) or not delivery.external_booking:
        return False
    try:
        tracking = api.track(delivery.external_booking)
    except external.CourierError as exc:
        logger.warning("tracking %s of delivery %s failed: %s", delivery.external_booking, delivery.pk, exc)
        return False
    state = tracking.status
    if state is external.CourierStatus.CANCELLED:
        delivery.unassigned_reason = "external_courier_error"
        delivery.external_booking = ""
        delivery.batch = None
        _move(delivery, "requeue", DStatus.PENDING, actor=None, note=reason_label("external_courier_error"))
        delivery.save()
        return True
    changed = False
    if state in (external.CourierStatus.IN_TRANSIT, external.CourierStatus.DELIVERED) and (
        delivery.status == DStatus.ASSIGNED
    ):
        _pick_up(delivery, None)
        changed = True
    if state is external.CourierStatus.DELIVERED and delivery.status == DStatus.PICKED_UP:
        delivery.proof_kind = "external"
        _complete(delivery, None)
        changed = True
    return changed


@transaction.atomic
def mark_failed(delivery: Delivery, *, actor: User, reason: str) -> Delivery:
    delivery = _lock(delivery)
    _require_handler(delivery, actor)
    reason = str(reason or "").strip()[:255]
    if not reason:
        raise ValidationFailed(_("Tuliskan alasan gagal antar."), code="reason_required", field="reason")
    if delivery.status not in (DStatus.ASSIGNED, DStatus.PICKED_UP):
        raise _status_conflict(delivery)
    delivery.fail_reason = reason
    _move(delivery, "fail", DStatus.FAILED, actor=actor, note=reason)
    delivery.save()
    _announce(
        delivery,
        "failed",
        _("Pesanan %(number)s gagal diantar") % {"number": delivery.order.number},
        _("Alasan: %(reason)s. Toko atau petugas akan menghubungi Anda.") % {"reason": reason},
    )
    return delivery


@transaction.atomic
def cancel_delivery(
    delivery: Delivery, *, actor: User | None, reason: str = "", api: external.CourierGateway | None = None
) -> Delivery:
    """Before pickup only. An external booking is cancelled at the provider too."""
    delivery = _lock(delivery)
    if actor is not None and actor.pk != delivery.order.shop.owner_id:
        _require_operator(delivery.hub, actor)
    if delivery.status == DStatus.CANCELLED:
        return delivery
    if delivery.status not in (DStatus.PENDING, DStatus.BATCHED, DStatus.ASSIGNED):
        raise _status_conflict(delivery)
    if delivery.external_booking:
        try:
            (api or gateway()).cancel(delivery.external_booking, reason=reason)
        except external.CourierError as exc:
            raise Conflict(
                _("Kurir luar menolak pembatalan: %(error)s") % {"error": exc.code}, code="external_cancel"
            ) from exc
    delivery.fail_reason = str(reason or "")[:255]
    _move(delivery, "cancel", DStatus.CANCELLED, actor=actor, note=delivery.fail_reason)
    delivery.save()
    return delivery


def cancel_for_order(order_id: int) -> None:
    """The marketplace order was cancelled: drop its delivery if it has not left yet."""
    delivery = Delivery.objects.filter(order_id=order_id).first()
    if delivery is None or delivery.status not in (DStatus.PENDING, DStatus.BATCHED, DStatus.ASSIGNED):
        return
    try:
        cancel_delivery(delivery, actor=None, reason=_("Pesanan dibatalkan."))
    except DomainError:
        logger.warning("delivery %s of cancelled order %s could not be cancelled", delivery.pk, order_id)
