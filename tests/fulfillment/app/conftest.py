"""Fulfillment app fixtures: in Kelurahan Mojorejo (tenant A) a hub, a courier on a motor, an
operator, a shop with a map point that offers hub delivery, and helpers for packed orders."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.fulfillment import services
from apps.fulfillment.models import Courier, Delivery, Hub
from apps.marketplace import services as market
from apps.marketplace.models import Order, Shop, Variant
from apps.tenancy.models import Tenant
from tests import factories as f
from tests.conftest import client_for

HUB_POINT = (-7.637458, 111.534707)  # Mojorejo
SHOP_POINT = (-7.6352, 111.5331)
BUYER_POINT = (-7.6401, 111.5372)


@dataclass
class World:
    tenant: Tenant
    staff: User
    operator: User
    sri: User  # shop owner
    joko: User  # buyer
    andi: User  # kurir
    other: User  # a warga unrelated to anything
    shop: Shop
    nasi: Variant
    hub: Hub
    courier: Courier


def make_world(tenant: Tenant, prefix: str = "") -> World:
    staff = f.staff(username=f"{prefix}petugas", full_name="Petugas")
    operator = f.person(Role.OPERATOR_HUB, username=f"{prefix}ophub", full_name="Operator Hub")
    sri = f.person(Role.PEMILIK_UMKM, username=f"{prefix}sri", full_name="Sri Rahayu")
    joko = f.person(Role.WARGA, username=f"{prefix}joko", full_name="Joko Santoso")
    andi = f.person(Role.KURIR, username=f"{prefix}andi", full_name="Andi Kurir")
    other = f.person(Role.WARGA, username=f"{prefix}tono", full_name="Tono")
    shop = f.ShopFactory(
        owner=sri,
        name=f"{prefix}Pecel Bu Sri",
        address="Jl. Mojorejo No. 12",
        lat=SHOP_POINT[0],
        lng=SHOP_POINT[1],
        offers_pickup=True,
        offers_hub_delivery=True,
    )
    hub = f.HubFactory(actor=staff, code=f"{prefix}hub-mojorejo", name="Hub Mojorejo", operators=[operator])
    return World(
        tenant=tenant,
        staff=staff,
        operator=operator,
        sri=sri,
        joko=joko,
        andi=andi,
        other=other,
        shop=shop,
        nasi=f.VariantFactory(shop=shop, name="Nasi pecel", sku="NASI", stock=50),
        hub=hub,
        courier=f.CourierFactory(user=andi, home_hub=hub),
    )


def packed_order(world: World, buyer: User | None = None, quantity: int = 1) -> Order:
    buyer = buyer or world.joko
    order = market.place_orders(
        buyer,
        [(world.nasi.pk, quantity)],
        idempotency_key=f"t-{uuid.uuid4().hex}",
        delivery="hub",
        address="Jl. Mojorejo Gg. II No. 3",
        lat=BUYER_POINT[0],
        lng=BUYER_POINT[1],
    ).orders[0]
    market.pay_order(order, "cod", payer=buyer, idempotency_key=f"pay-{uuid.uuid4().hex}")
    order = market.transition(order, "accept", actor=world.sri)
    return market.transition(order, "pack", actor=world.sri)


def new_delivery(world: World, order: Order | None = None, **extra: Any) -> Delivery:
    order = order or packed_order(world)
    now = timezone.now()
    params: dict[str, Any] = {
        "lat": BUYER_POINT[0],
        "lng": BUYER_POINT[1],
        "address": "Jl. Mojorejo Gg. II No. 3",
        "window_start": now,
        "window_end": now + timedelta(hours=6),
    }
    params.update(extra)
    return services.create_delivery(order, actor=world.sri, **params)


def assigned(world: World) -> Delivery:
    """A new delivery, batched and routed: assigned to the hub's courier."""
    delivery = new_delivery(world)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    return delivery


def local_now() -> datetime:
    return timezone.localtime()


@pytest.fixture(autouse=True)
def _at_daytime(request: pytest.FixtureRequest) -> None:
    """Routing depends on the hour (see `daytime`): these tests run from 10:00 in Madiun unless
    they set the clock themselves. Not the real worker's: its process keeps the real clock."""
    if request.node.get_closest_marker("worker") is None:
        request.getfixturevalue("daytime")


@pytest.fixture(autouse=True)
def _quick_solver(settings: Any) -> None:
    settings.FULFILLMENT_SOLVER_SECONDS = 1.0


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def world(in_a: Tenant) -> World:
    return make_world(in_a)


def signed_in(tenant: Tenant, user: User) -> Client:
    client = client_for(tenant)
    previous = connection.tenant
    with tenant:
        client.force_login(user)
    connection.set_tenant(previous)
    return client
