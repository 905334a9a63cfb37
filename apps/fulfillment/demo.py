"""Antar demo for each kelurahan: a hub at the kelurahan office's point (realistic Kota Madiun
coordinates from the tenant's region), Andi (kurir-andi) on a motor and Dewi (operator-hub)
as its operator, three of Pak Joko's orders sent "lewat hub" from Bu Sri's stall, and one
routed batch. Idempotent: fixed codes and idempotency keys, nothing is made twice."""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.marketplace import services as market
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.marketplace.models import Order, Placement, Variant
from apps.tenancy.models import Tenant

from . import services
from .models import Courier, Delivery, Hub

# Buyer points as offsets (degrees) from the kelurahan's centre: a few hundred metres apart.
DROPS = [("0.0021", "-0.0015"), ("-0.0018", "0.0024"), ("0.0009", "0.0031")]


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN or tenant.lat is None or tenant.lng is None:
        return
    staff = User.objects.filter(Q(is_staff=True) | Q(is_superuser=True)).order_by("pk").first()
    operator = User.objects.filter(username="operator-hub").first()
    andi = User.objects.filter(username="kurir-andi").first()
    if staff is None or not staff.is_staff:
        return
    hub = _hub(tenant, staff, operator)
    if andi is not None and not Courier.objects.filter(user=andi).exists():
        services.register_courier(
            andi,
            actor=staff,
            vehicle="motor",
            home_hub=hub,
            shift_start=time(7, 0),
            shift_end=time(21, 0),
            earning_per_delivery=6_000,
        )
    deliveries = [d for d in (_delivery(tenant, i, staff) for i in range(len(DROPS))) if d is not None]
    pending = [d for d in deliveries if d.status == Delivery.Status.PENDING]
    if pending:
        job = services.batch_now(hub, actor=staff)
        if job is not None:
            services.run_routing_job(job.pk)


def _hub(tenant: Tenant, staff: User, operator: User | None) -> Hub:
    code = f"hub-{tenant.slug}"[:64]
    hub = Hub.objects.filter(code=code).first()
    if hub is not None:
        return hub
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
        opening_hours={str(day): ["07:00", "21:00"] for day in range(7)},
        cutoff_times=["09:00", "12:00", "15:00", "18:00"],
        operators=[operator] if operator is not None else [],
    )


def _delivery(tenant: Tenant, index: int, staff: User) -> Delivery | None:
    key = f"demo:pak-joko:antar-{index + 1}"
    joko = User.objects.filter(username="pak-joko").first()
    variant = Variant.objects.filter(sku="PCL-NASI-1").select_related("shop").first()
    if joko is None or variant is None or tenant.lat is None or tenant.lng is None:
        return None
    placement = Placement.objects.filter(key=key).first()
    if placement is None:
        try:
            result = market.place_and_pay(
                joko,
                [(variant.pk, 1 + index)],
                idempotency_key=key,
                payment_method="cod",
                delivery="hub",
                address=f"Jl. Mojorejo Gg. {index + 1} No. {3 + index}",
            )
        except DomainError:
            return None
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
    now = timezone.now()
    d_lat, d_lng = DROPS[index]
    try:
        return services.create_delivery(
            order,
            actor=staff,
            lat=tenant.lat + Decimal(d_lat),
            lng=tenant.lng + Decimal(d_lng),
            address=order.delivery_address,
            window_start=now,
            window_end=now + timedelta(hours=4 + index),
            weight_kg=1 + index,
        )
    except DomainError:
        return None
