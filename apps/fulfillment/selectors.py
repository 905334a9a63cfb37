"""Fulfillment reads: a courier's day, tracking (who may see what), ETA, hub boards, KPIs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core import phones
from apps.core.errors import NotFound
from apps.core.geo import haversine_m
from apps.marketplace.models import Order

from . import conf
from .models import Batch, Courier, Delivery, Hub, Route, RouteStop, RoutingJob

DETOUR = 1.3  # road distance ≈ straight line × detour (as the solver's haversine provider)
ACTIVE = (Delivery.Status.ASSIGNED, Delivery.Status.PICKED_UP)


def may_track(delivery: Delivery, user: User) -> bool:
    """The buyer, the shop owner and staff see a delivery and its courier's position."""
    if not user.is_authenticated:
        return False
    order = delivery.order
    return bool(user.is_staff or user.pk == order.buyer_id or user.pk == order.shop.owner_id)


def tracked(code: str, user: User) -> Delivery:
    """The delivery with tracking `code` if `user` may see it; otherwise 404 (never reveal it exists)."""
    delivery = (
        Delivery.objects.select_related("order", "order__shop", "order__buyer", "hub", "courier", "courier__user")
        .filter(code=str(code)[:16])
        .first()
    )
    if delivery is None or not may_track(delivery, user):
        raise NotFound(_("Antaran tidak ditemukan."), code="unknown_delivery")
    return delivery


def deliveries_for(user: User) -> QuerySet[Delivery]:
    """Deliveries of the user's orders (as buyer or shop), newest first."""
    return (
        Delivery.objects.filter(Q(order__buyer=user) | Q(order__shop__owner=user))
        .select_related("order", "order__shop", "hub")
        .order_by("-created_at")
    )


@dataclass
class StopView:
    stop: RouteStop
    delivery: Delivery
    nav_url: str
    geo_url: str
    # What the courier needs at the door (problem 8 of issue 19): the cash to collect, how to
    # reach the buyer and what is in the parcel.
    cod_amount: int | None = None
    tel_url: str = ""
    wa_url: str = ""
    items: list[tuple[str, int]] = field(default_factory=list)


def cod_amount(order: Order) -> int | None:
    """Cash the courier collects at the door: the order's total (less a voucher's part) when the
    buyer pays on delivery."""
    return int(order.rest_to_pay - order.refunded_amount) if order.payment_method == "cod" else None


def contact_urls(raw_phone: str) -> tuple[str, str]:
    """(tel: link, WhatsApp link) for a stored phone number in any Indonesian form (0812...,
    62812..., +62 812...); ("", "") when it is not a valid number. wa.me wants the E.164
    digits without the plus: 0812-3456-7890 -> https://wa.me/6281234567890."""
    e164 = phones.to_e164(raw_phone)
    if not e164:
        return "", ""
    return f"tel:{e164}", f"https://wa.me/{e164.removeprefix('+')}"


def _stop_view(s: RouteStop) -> StopView:
    order = s.delivery.order
    dropoff = s.kind == RouteStop.Kind.DROPOFF
    phone = order.buyer.phone if dropoff else order.shop.owner.phone
    tel_url, wa_url = contact_urls(phone)
    return StopView(
        stop=s,
        delivery=s.delivery,
        nav_url=navigation_url(s.lat, s.lng),
        geo_url=f"geo:{s.lat},{s.lng}?q={s.lat},{s.lng}",
        cod_amount=cod_amount(order) if dropoff else None,
        tel_url=tel_url,
        wa_url=wa_url,
        items=[
            (f"{line.product_name} — {line.variant_name}" if line.variant_name else line.product_name, line.quantity)
            for line in order.lines.all()
        ],
    )


def navigation_url(lat: object, lng: object) -> str:
    return "https://www.google.com/maps/dir/?" + urlencode({"api": "1", "destination": f"{lat},{lng}"})


def courier_schedule_day(courier: Courier, today: date | None = None) -> date:
    """The day the courier page shows: today when the courier has stops today, else the next
    day with planned stops (e.g. at night, tomorrow's route), else today."""
    today = today or timezone.localdate()
    upcoming = (
        RouteStop.objects.filter(route__courier=courier, route__day__gte=today)
        .exclude(delivery__status=Delivery.Status.CANCELLED)
        .order_by("route__day")
        .values_list("route__day", flat=True)
        .first()
    )
    return upcoming or today


def courier_day(courier: Courier, day: date | None = None) -> list[StopView]:
    """The courier's stops of the day in route order (cancelled deliveries left out)."""
    day = day or timezone.localdate()
    stops = (
        RouteStop.objects.filter(route__courier=courier, route__day=day)
        .exclude(delivery__status=Delivery.Status.CANCELLED)
        .select_related(
            "delivery",
            "delivery__order",
            "delivery__order__shop",
            "delivery__order__shop__owner",
            "delivery__order__buyer",
            "route",
        )
        .prefetch_related("delivery__order__lines")
        .order_by("route__starts_at", "route_id", "seq")
    )
    return [_stop_view(s) for s in stops]


def eta(delivery: Delivery, now: datetime | None = None) -> datetime | None:
    """When the courier should reach the buyer: from the courier's last GPS fix through the
    route's remaining stops up to this drop (straight line × detour at the courier's speed,
    plus service times); the planned ETA when there is no fix yet."""
    if delivery.status not in ACTIVE:
        return None
    courier = delivery.courier
    if courier is None or courier.lat is None or courier.lng is None or delivery.route_id is None:
        return delivery.eta
    now = now or timezone.now()
    remaining = list(RouteStop.objects.filter(route_id=delivery.route_id, done_at__isnull=True).order_by("seq"))
    position = (float(courier.lat), float(courier.lng))
    metres = 0.0
    service = 0
    for stop in remaining:
        metres += haversine_m(position[0], position[1], float(stop.lat), float(stop.lng)) * DETOUR
        position = (float(stop.lat), float(stop.lng))
        if stop.delivery_id == delivery.pk and stop.kind == RouteStop.Kind.DROPOFF:
            break
        service += conf.get("PICKUP_SERVICE_S") if stop.kind == RouteStop.Kind.PICKUP else conf.get("DROPOFF_SERVICE_S")
    seconds = metres * 3.6 / float(courier.speed_kmh) + service
    return now + timedelta(seconds=round(seconds))


def courier_position(delivery: Delivery) -> tuple[float, float] | None:
    courier = delivery.courier
    if delivery.status not in ACTIVE or courier is None or courier.lat is None or courier.lng is None:
        return None
    return float(courier.lat), float(courier.lng)


def hub_board(hub: Hub, *, limit: int = 20) -> list[Batch]:
    return list(
        Batch.objects.filter(hub=hub)
        .select_related("hub", "job")
        .annotate(n=Count("deliveries"))
        .order_by("-cutoff_at")[:limit]
    )


def job_percent(job: RoutingJob, now: datetime | None = None) -> int | None:
    """How far a routing job is, for its progress bar: None while queued (nothing measured
    yet), then the share of the solver's time budget used (the solver runs until its budget,
    so elapsed time is its real progress), capped at 95 until the plan is written; 100 done."""
    if job.status == RoutingJob.Status.SUCCEEDED:
        return 100
    if job.status != RoutingJob.Status.RUNNING or job.started_at is None:
        return None
    budget = float(conf.get("SOLVER_SECONDS")) + 1.0  # + building the problem and writing the plan
    elapsed = ((now or timezone.now()) - job.started_at).total_seconds()
    return max(1, min(95, round(100 * elapsed / budget)))


def running_jobs() -> QuerySet[RoutingJob]:
    return RoutingJob.objects.filter(status__in=[RoutingJob.Status.QUEUED, RoutingJob.Status.RUNNING]).select_related(
        "batch", "batch__hub"
    )


def routes_of(hub: Hub, day: date) -> list[Route]:
    return list(
        Route.objects.filter(job__batch__hub=hub, day=day)
        .select_related("courier", "courier__user")
        .prefetch_related("stops")
        .order_by("starts_at")
    )


@dataclass
class Kpi:
    label: str
    deliveries: int
    on_time: int
    km: float
    cost: int
    hours: float

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.deliveries if self.deliveries else None

    @property
    def cost_per_km(self) -> float | None:
        return self.cost / self.km if self.km else None

    @property
    def per_courier_hour(self) -> float | None:
        return self.deliveries / self.hours if self.hours else None


def _kpis(group: str, start: date, end: date) -> dict[int, Kpi]:
    """Route figures (km, cost, hours) and delivered counts between `start` and `end` (inclusive)."""
    routes = (
        Route.objects.filter(day__gte=start, day__lte=end)
        .values(group)
        .annotate(m=Sum("distance_m"), cost=Sum("cost"), s=Sum("duration_s"))
    )
    key = "hub_id" if group == "job__batch__hub" else "courier_id"
    done = (
        Delivery.objects.filter(
            status=Delivery.Status.DELIVERED,
            delivered_at__date__gte=start,
            delivered_at__date__lte=end,
            route__isnull=False,
        )
        .values(key)
        .annotate(n=Count("pk"), ok=Count("pk", filter=Q(on_time=True)))
    )
    out: dict[int, Kpi] = {}
    for row in routes:
        out[row[group]] = Kpi("", 0, 0, (row["m"] or 0) / 1000, int(row["cost"] or 0), (row["s"] or 0) / 3600)
    for row in done:
        kpi = out.setdefault(row[key], Kpi("", 0, 0, 0.0, 0, 0.0))
        kpi.deliveries, kpi.on_time = int(row["n"]), int(row["ok"])
    return out


def hub_kpis(start: date, end: date) -> list[Kpi]:
    figures = _kpis("job__batch__hub", start, end)
    result = []
    for hub in Hub.objects.filter(pk__in=list(figures)).order_by("name"):
        kpi = figures[hub.pk]
        kpi.label = hub.name
        result.append(kpi)
    return result


def courier_kpis(start: date, end: date) -> list[Kpi]:
    figures = _kpis("courier", start, end)
    result = []
    for courier in Courier.objects.filter(pk__in=list(figures)).select_related("user"):
        kpi = figures[courier.pk]
        kpi.label = str(courier)
        result.append(kpi)
    return sorted(result, key=lambda k: k.label)
