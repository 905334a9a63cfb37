"""Marketplace fixtures: a seller with a shop and products in Kelurahan Mojorejo (tenant A),
buyers, and helpers. Everything runs inside the test's transaction (rolled back) unless a
test uses `committed` and cleans up with `wipe_marketplace`."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.discovery.models import Listing
from apps.marketplace import services
from apps.marketplace.models import Product, Shop, Variant
from apps.sandbox.models import SandboxTransaction
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for
from tests.ledger_guard import ledger_triggers_off

MARKETPLACE_TABLES = [
    "marketplace_review",
    "marketplace_allocation",
    "core_event",  # the audit events of every app (marketplace, fulfillment, invoicing, ...)
    "marketplace_orderline",
    "marketplace_order",
    "marketplace_placement",
    "marketplace_reservation",
    "marketplace_cartitem",
    "marketplace_importbatch",
    "marketplace_stock",
    "marketplace_variant",
    "marketplace_productphoto",
    "marketplace_product_categories",
    "marketplace_product",
    "marketplace_category",
    "marketplace_stocklocation",
    "marketplace_shop",
]
PAYMENT_TABLES = [
    "payments_gatewaynotification",
    "payments_reconciliationmismatch",
    "payments_reconciliationrun",
    "payments_gatewaycharge",
    "payments_paymentrequest",
    "payments_posting",
    "payments_journalentry",
    "payments_account",
]


@dataclass
class Market:
    tenant: Tenant
    sri: User  # pemilik UMKM
    yati: User  # another pemilik UMKM
    joko: User  # warga
    andi: User  # warga
    pecel: Shop
    oleh: Shop
    nasi: Variant  # Nasi pecel, Rp12.000, 30 in stock
    keripik: Variant  # Keripik tempe, Rp15.000, 10 in stock
    sambal: Variant  # Sambal pecel 250 g, Rp25.000, 5 in stock
    madumongso: Variant  # Oleh-oleh Bu Yati, Rp18.000, 20 in stock


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def product(shop: Shop, owner: User, name: str, sku: str, price: int, stock: int, **extra: Any) -> Variant:
    made = services.create_product(
        shop, owner, name=name, variants=[services.VariantSpec(sku=sku, price=price, stock=stock)], **extra
    )
    return made.variants.get()


def make_market(tenant: Tenant, prefix: str = "") -> Market:
    sri = create_user(username=f"{prefix}sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
    yati = create_user(username=f"{prefix}yati", full_name="Suryati", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
    joko = create_user(username=f"{prefix}joko", full_name="Joko Santoso", roles=[Role.WARGA], password=PASSWORD)
    andi = create_user(username=f"{prefix}andi", full_name="Andi", roles=[Role.WARGA], password=PASSWORD)
    pecel = services.open_shop(
        sri,
        name=f"{prefix}Pecel Madiun Bu Sri",
        address="Jl. Mojorejo No. 12",
        offers_pickup=True,
        offers_own_delivery=True,
        own_delivery_fee=5_000,
    )
    oleh = services.open_shop(yati, name=f"{prefix}Oleh-oleh Bu Yati", address="Jl. Mojorejo Gg. IV")
    return Market(
        tenant=tenant,
        sri=sri,
        yati=yati,
        joko=joko,
        andi=andi,
        pecel=pecel,
        oleh=oleh,
        nasi=product(pecel, sri, "Nasi pecel", "PCL-NASI", 12_000, 30, categories=["Makanan"]),
        keripik=product(pecel, sri, "Keripik tempe", "PCL-KRP", 15_000, 10, categories=["Camilan"]),
        sambal=product(pecel, sri, "Sambal pecel 250 g", "PCL-SMB", 25_000, 5, categories=["Bumbu"]),
        madumongso=product(oleh, yati, "Madumongso", "YT-MDM", 18_000, 20, categories=["Oleh-oleh"]),
    )


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    """Run the test body inside Kelurahan Mojorejo's schema (rolled back afterwards)."""
    with tenant_a:
        yield tenant_a


@pytest.fixture
def market(in_a: Tenant) -> Market:
    return make_market(in_a)


def signed_in(tenant: Tenant, user: User) -> Client:
    """A client on the tenant's host with `user` signed in (the session lives in the tenant's schema)."""
    client = client_for(tenant)
    previous = connection.tenant
    with tenant:
        client.force_login(user)
    connection.set_tenant(previous)
    return client


def product_of(variant: Variant) -> Product:
    return variant.product


def wipe_marketplace(tenant: Tenant, usernames: list[str]) -> None:
    """Remove committed marketplace and payments data and the given users (tests only).

    The payments ledger refuses DELETE by trigger: triggers are off for this one transaction
    (tests/ledger_guard.py, PostgreSQL and Citus)."""
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        tables = [*MARKETPLACE_TABLES, *PAYMENT_TABLES]
        with ledger_triggers_off(cursor, tables):
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
        SandboxTransaction.objects.all().delete()  # this tenant's sandbox gateway book (public table)
        users = "SELECT id FROM accounts_user WHERE username = ANY(%s)"
        cursor.execute(f"DELETE FROM notifications_message WHERE recipient_id IN ({users})", [usernames])
        cursor.execute(f"DELETE FROM feedback_prompt WHERE user_id IN ({users})", [usernames])  # asked on delivery
        cursor.execute(f"DELETE FROM accounts_user_groups WHERE user_id IN ({users})", [usernames])
        cursor.execute("DELETE FROM accounts_user WHERE username = ANY(%s)", [usernames])
    connection.set_schema_to_public()
    Listing.objects.filter(tenant=tenant).delete()
