"""Antar demo for each kelurahan: a hub at the kelurahan office's point (realistic Kota Madiun
coordinates from the tenant's region), Andi (kurir-andi) on a motor and Dewi (operator-hub)
as its operator, three of Pak Joko's orders sent "lewat hub" from Bu Sri's stall, and one
routed batch.

Whatever the hour: the deliveries are planned inside the hub's opening hours, today when enough
of today's hours are left, else on the hub's next open day (the seed says which day), so Andi
always has a route to show. Idempotent per planned day (the idempotency keys carry the day),
and loud: anything that stops the demo raises or is logged with its reason, never skipped.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.marketplace import services as market
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.marketplace.models import Order, Placement, Variant
from apps.tenancy.models import Tenant

from . import hours, public_tracking, services
from .models import Courier, Delivery, Hub, RouteStop

logger = logging.getLogger(__name__)

# Buyer points as offsets (degrees) from the kelurahan's centre: a few hundred metres apart.
DROPS = [("0.0021", "-0.0015"), ("-0.0018", "0.0024"), ("0.0009", "0.0031")]
# Enough of the open span left for the courier to ride all three drops comfortably.
MIN_PLAN_SPAN = timedelta(hours=4)
HUB_HOURS = ("07:00", "21:00")
DEMO_BUYER_PHONE = "081234567890"
# What a buyer writes for the courier (shown on the stop card).
DEMO_NOTES = ("Pagar hijau, titip ke warung sebelah kalau kosong.", "", "Telepon dulu sebelum sampai.")


class DemoSeedError(RuntimeError):
    """The antar demo could not be made; the message says why."""


def seed(tenant: Tenant, *, now: datetime | None = None) -> str:
    """Seed the antar demo and return one line for the seed output ("" when not applicable)."""
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return ""
    if tenant.lat is None or tenant.lng is None:
        raise DemoSeedError(f"{tenant.name}: the tenant has no centre point; the antar demo needs one")
    now = now or timezone.now()
    staff = User.objects.filter(Q(is_staff=True) | Q(is_superuser=True)).order_by("pk").first()
    andi = _person("kurir-andi")
    operator = _person("operator-hub")
    if staff is None:
        raise DemoSeedError(f"{tenant.name}: no staff account to create the hub with")
    hub = _hub(tenant, staff, operator)
    if not Courier.objects.filter(user=andi).exists():
        services.register_courier(
            andi,
            actor=staff,
            vehicle="motor",
            home_hub=hub,
            shift_start=time(7, 0),
            shift_end=time(21, 0),
            earning_per_delivery=6_000,
        )
    span = plan_span(hub, now)
    start, end = span
    day = timezone.localtime(start).date()
    deliveries = [_delivery(tenant, day, i, staff, start, end) for i in range(len(DROPS))]
    if any(d.status == Delivery.Status.PENDING for d in deliveries):
        job = services.batch_now(hub, actor=staff, now=start, queue=False)
        if job is None:
            raise DemoSeedError(f"{tenant.name}: pending demo deliveries but no batch was made")
        job = services.run_routing_job(job.pk, now=start)
        if job.status != job.Status.SUCCEEDED:
            raise DemoSeedError(f"{tenant.name}: routing the demo batch failed: {job.error}")
    if not RouteStop.objects.filter(route__courier__user=andi, route__day=day).exists():
        raise DemoSeedError(f"{tenant.name}: the routed batch gave kurir-andi no stops on {day}")
    span_text = f"{timezone.localtime(start):%H:%M}-{timezone.localtime(end):%H:%M}"
    link = public_tracking.url_for(deliveries[0])
    return f"{tenant.name}: jadwal antar untuk {hours.day_label(day)}, {span_text}; lacak tanpa masuk: {link}"


def plan_span(hub: Hub, now: datetime) -> tuple[datetime, datetime]:
    """The open stretch the demo plans its deliveries in: the rest of today's hours when at
    least MIN_PLAN_SPAN is left, else the hub's next open day (e.g. at 03:00 today from 07:00,
    at 23:30 tomorrow from 07:00)."""
    span = hours.open_span(hub, now, min_length=MIN_PLAN_SPAN)
    if span is None:
        raise DemoSeedError(f"{hub.name} opens on no day of the coming week; the antar demo cannot plan")
    return span


def needs_refresh(tenant: Tenant, now: datetime | None = None) -> bool:
    """True when kurir-andi has no stops today or later (the last seed planned a past day)."""
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return False
    today = timezone.localtime(now or timezone.now()).date()
    return not RouteStop.objects.filter(route__courier__user__username="kurir-andi", route__day__gte=today).exists()


def _person(username: str) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        raise DemoSeedError(f"demo account {username} is missing; apps.demo.seed creates it first")
    return user


def _hub(tenant: Tenant, staff: User, operator: User) -> Hub:
    code = f"hub-{tenant.slug}"[:64]
    hub = Hub.objects.filter(code=code).first()
    if hub is not None:
        return hub
    assert tenant.lat is not None and tenant.lng is not None  # checked by seed()
    return services.create_hub(
        actor=staff,
        code=code,
        name=f"Hub {tenant.name}",
        lat=tenant.lat,
        lng=tenant.lng,
        address=f"Balai Kelurahan {tenant.name}",
        service_radius_m=3_000,
        capacity_volume_l=3_000,
        capacity_weight_kg=400,
        capacity_slots=120,
        opening_hours={str(day): list(HUB_HOURS) for day in range(7)},
        cutoff_times=["09:00", "12:00", "15:00", "18:00"],
        operators=[operator],
    )


def _delivery(tenant: Tenant, day: date, index: int, staff: User, start: datetime, end: datetime) -> Delivery:
    key = f"demo:pak-joko:antar-{day:%Y%m%d}-{index + 1}"
    joko = _person("pak-joko")
    if not joko.phone:  # the courier's stop card calls / WhatsApps the buyer (a demo number)
        joko.phone = DEMO_BUYER_PHONE
        joko.save(update_fields=["phone"])
    variant = Variant.objects.filter(sku="PCL-NASI-1").select_related("shop").first()
    if variant is None:
        raise DemoSeedError(f"{tenant.name}: Bu Sri's PCL-NASI-1 is missing; apps.marketplace.demo seeds it first")
    assert tenant.lat is not None and tenant.lng is not None  # checked by seed()
    d_lat, d_lng = DROPS[index]
    placement = Placement.objects.filter(key=key).first()
    if placement is None:
        result = market.place_and_pay(
            joko,
            [(variant.pk, 1 + index)],
            idempotency_key=key,
            payment_method="cod",
            delivery="hub",
            address=f"Jl. Mojorejo Gg. {index + 1} No. {3 + index}",
            lat=tenant.lat + Decimal(d_lat),  # the point Pak Joko picked on the checkout map
            lng=tenant.lng + Decimal(d_lng),
            note=DEMO_NOTES[index % len(DEMO_NOTES)],
        )
        order = result.orders[0]
    else:
        order = placement.orders.get()
    existing = Delivery.objects.filter(order=order).first()
    if existing is not None:
        return existing
    owner = order.shop.owner
    if Order.objects.get(pk=order.pk).status in (OrderStatus.PAID, OrderStatus.COD):
        market.transition(order, "accept", actor=owner)
    if Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED:
        market.transition(order, "pack", actor=owner)
    order = Order.objects.get(pk=order.pk)
    # Sent "now" in the planned open span, as the seller would when the hub opens; the drop
    # point is the one the buyer picked at checkout (no coordinates typed by the seller).
    return services.create_delivery(
        order,
        actor=staff,
        address=order.delivery_address,
        window_start=start,
        window_end=min(end, start + timedelta(hours=2 + index)),
        weight_kg=1 + index,
        now=start,
    )
