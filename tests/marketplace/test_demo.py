"""The demo seed: Bu Sri's pecel shop and Bu Yati's, Pak Joko's completed orders and reviews;
runs after the payments demo (same stall account); idempotent."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.discovery.models import Listing
from apps.invoicing import demo as invoicing_demo
from apps.invoicing.models import Invoice
from apps.marketplace import demo, selectors
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Order, Product, Review, Shop
from apps.payments import demo as payments_demo
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def _people() -> tuple[User, User]:
    sri = create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM])
    joko = create_user(username="pak-joko", full_name="Joko Santoso", roles=[Role.WARGA])
    rw = RukunWarga.objects.create(number=1)
    rt1 = RukunTetangga.objects.create(rw=rw, number=1)
    RukunTetangga.objects.create(rw=rw, number=2)
    Residency.objects.create(user=sri, rt=rt1)
    Residency.objects.create(user=joko, rt=rt1)
    return sri, joko


def test_seed_is_complete_and_idempotent(
    tenant_a: Tenant, db: None, django_capture_on_commit_callbacks: Capture
) -> None:
    with tenant_a, django_capture_on_commit_callbacks(execute=True):
        sri, joko = _people()
        payments_demo.seed(tenant_a)
        demo.seed(tenant_a)
        counts = (Shop.objects.count(), Product.objects.count(), Order.objects.count(), Review.objects.count())
        demo.seed(tenant_a)
        assert (Shop.objects.count(), Product.objects.count(), Order.objects.count(), Review.objects.count()) == counts

        pecel = Shop.objects.get(name="Pecel Madiun Bu Sri")
        assert pecel.owner == sri and pecel.payment_account is not None
        assert pecel.payment_account.code == f"merchant:{sri.pk}:pecel"  # the payments demo's stall account
        names = set(Product.objects.filter(shop=pecel).values_list("name", flat=True))
        assert {"Nasi pecel", "Sambal pecel 250 g", "Brem Madiun", "Keripik tempe"} <= names
        orders = Order.objects.filter(buyer=joko)
        assert orders.count() == 5
        # Three completed; Bu Sri's seller home has a new order and an accepted one waiting.
        assert sorted(o.status for o in orders) == sorted([Status.COMPLETED] * 3 + [Status.COD, Status.ACCEPTED])
        assert Review.objects.filter(buyer=joko).count() >= 3
        assert "Keripik tempe" in [p.name for p in selectors.search_products("kripik tempe")]
        brem = Product.objects.get(name="Brem Madiun")
        assert "Madumongso" in [p.name for p in selectors.bought_together(brem)]
        assert [s.name for s in selectors.shops_near(joko)] == ["Pecel Madiun Bu Sri", "Oleh-oleh Bu Yati"]
        # Bu Yati restocks from Bu Sri on invoice terms (net 14), delivered.
        b2b = Order.objects.get(placement__key=demo.B2B_KEY)
        assert b2b.buyer.username == "bu-yati" and b2b.shop == pecel and b2b.payment_method == "faktur"
        assert b2b.status == Status.DELIVERED and b2b.terms_days == 14 and pecel.accepts_invoice
    with tenant_a:  # the delivery's on-commit task has run: invoiced once, the invoicing demo adds none
        invoice = Invoice.objects.get(source_key=f"order:{b2b.pk}")
        assert invoice.buyer_name == "Oleh-oleh Bu Yati" and invoice.total == b2b.total
        invoicing_demo.seed(tenant_a)
        assert Invoice.objects.filter(source="order").count() == 1
    connection.set_schema_to_public()
    assert Listing.objects.filter(tenant=tenant_a).count() == 8


def test_seed_skips_kota_tenants(tenants: Any, db: None) -> None:
    with tenants.kota:
        demo.seed(tenants.kota)
        assert not Shop.objects.exists()
