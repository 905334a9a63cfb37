"""Invoicing fixtures (tenant A, Mojorejo, inside the test's transaction unless `committed`):
the procurement people of tests/procurement, Katering Pak Budi (umkm_b, the usual winner) with a
shop to be paid into, and a business buyer (warga) with a wallet."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.invoicing import services
from apps.invoicing.models import Invoice
from apps.marketplace import services as marketplace
from apps.marketplace.models import Shop
from apps.payments import services as payments
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.procurement.conftest import People, make_people


@dataclass
class World:
    people: People
    shop: Shop  # Katering Pak Budi, owned by people.umkm_b


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def make_world(prefix: str = "") -> World:
    people = make_people(prefix)
    shop = marketplace.open_shop(people.umkm_b, name=f"{prefix}Katering Pak Budi", address="Jl. Mojorejo No. 3")
    return World(people=people, shop=shop)


@pytest.fixture
def world(tenant_a: Tenant, db: None) -> Iterator[World]:
    with tenant_a:
        yield make_world()


def fund(user: User, amount: int) -> None:
    payments.top_up(payments.ensure_wallet(user), amount, reference="test top-up", idempotency_key=key())


def manual(world: World, *lines: tuple[str, str, int], buyer: User | None = None, **extra: Any) -> Invoice:
    rows = [{"description": d, "quantity": q, "unit": "unit", "unit_price": p} for d, q, p in lines] or [
        {"description": "Nasi kotak", "quantity": "40", "unit": "kotak", "unit_price": 25_000}
    ]
    return services.issue_invoice(
        world.shop,
        world.people.umkm_b,
        buyer_name=extra.pop("buyer_name", "Toko Maju"),
        buyer_user=buyer if buyer is not None else world.people.warga,
        lines=rows,
        **extra,
    )


def signed_in(tenant: Tenant, user: User) -> Client:
    client = client_for(tenant)
    previous = connection.tenant
    with tenant:
        client.force_login(user)
    connection.set_tenant(previous)
    return client
