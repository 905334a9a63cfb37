"""Real threads with their own connections on committed data (cleaned up): two office staff pay
the last remainder of the same invoice at once → it is paid once, one wallet is charged, the
other is told it is already paid; replayed settlements at once record the payment once. The same
for a marketplace order's invoice: the order is stamped paid once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.invoicing import services
from apps.invoicing.models import Invoice, InvoiceEvent
from apps.marketplace import services as marketplace
from apps.marketplace.models import Order, OrderEvent
from apps.payments import services as payments
from apps.payments.models import Account, JournalEntry
from apps.tenancy.models import Tenant
from tests.concurrency import race_each
from tests.conftest import PASSWORD, TenantSet
from tests.marketplace.conftest import wipe_marketplace

from .conftest import fund, key

PREFIX = "inv-cc-"
NAMES = [f"{PREFIX}{n}" for n in ("seller", "staf", "admin")]


def wipe(tenant: Tenant) -> None:
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        for table in ("core_event", "invoicing_invoiceline", "invoicing_invoice"):
            cursor.execute(f"DELETE FROM {table}")
    wipe_marketplace(tenant, NAMES)


def paying(invoice_id: int) -> Callable[[Any], str]:
    """The racers' job: request the invoice's remainder and pay that bill from the payer's wallet
    ("paid"; the loser's refusal is counted by its code by race_each)."""

    def pay(user: Any) -> str:
        bill = services.request_payment(invoice_id, user)
        payments.pay_request_with_wallet(bill, user, idempotency_key=key())
        return "paid"

    return pay


@pytest.fixture
def race(tenants: TenantSet, committed: None) -> Iterator[dict[str, Any]]:
    wipe(tenants.a)
    with tenants.a:
        seller = create_user(username=NAMES[0], full_name="Penjual", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        staf = create_user(username=NAMES[1], full_name="Staf", roles=[Role.STAF_OPD], password=PASSWORD)
        admin = create_user(username=NAMES[2], full_name="Admin", roles=[Role.ADMIN], password=PASSWORD)
        shop = marketplace.open_shop(seller, name=f"{PREFIX}Katering", address="Jl. Mojorejo 1")
        invoice = services.issue_invoice(
            shop,
            seller,
            buyer_name="Kelurahan Mojorejo",
            buyer_is_office=True,
            lines=[{"description": "Nasi kotak", "quantity": "4", "unit": "kotak", "unit_price": 25_000}],
        )
        for user in (staf, admin):
            fund(user, 200_000)
        first = services.request_payment(invoice, staf, amount=60_000)
        payments.pay_request_with_wallet(first, staf, idempotency_key=key())
    connection.set_schema_to_public()
    try:
        yield {"invoice": invoice.pk, "first": first.pk, "payers": [staf, admin]}
    finally:
        connection.set_schema_to_public()
        wipe(tenants.a)


def test_two_payers_racing_on_the_last_remainder_pay_it_once(tenants: TenantSet, race: dict[str, Any]) -> None:
    with tenants.a:
        invoice = Invoice.objects.get(pk=race["invoice"])
        # The first bill's settlement was recorded on commit (eager task): 60.000 of 100.000 paid.
        assert (invoice.status, invoice.amount_paid, invoice.remaining) == ("partly_paid", 60_000, 40_000)

    outcomes, errors = race_each(tenants.a, race["payers"], paying(race["invoice"]))
    assert errors == [], errors
    assert outcomes == Counter({"paid": 1, "already_paid": 1}), outcomes
    with tenants.a:
        invoice = Invoice.objects.get(pk=race["invoice"])
        assert (invoice.status, invoice.amount_paid, invoice.remaining) == ("paid", 100_000, 0)
        payments_made = InvoiceEvent.objects.filter(invoice=invoice, action="payment")
        assert sorted(payments_made.values_list("data__amount", flat=True)) == [40_000, 60_000]
        wallets = Account.objects.filter(owner__username__in=NAMES[1:], kind="wallet")
        assert sum(w.balance for w in wallets) == 400_000 - 100_000
        last = payments_made.get(data__amount=40_000).ref_id  # the paid bill (apps.core.audit)

    _replays, errors = race_each(tenants.a, [last] * 4, lambda pk: str(services.record_payment(pk) is not None))
    assert errors == [], errors
    with tenants.a:
        invoice = Invoice.objects.get(pk=race["invoice"])
        assert invoice.amount_paid == 100_000
        assert InvoiceEvent.objects.filter(invoice=invoice, action="payment").count() == 2
        assert JournalEntry.objects.exists()


@pytest.fixture
def terms_race(tenants: TenantSet, committed: None) -> Iterator[dict[str, Any]]:
    """A committed marketplace order on invoice terms, bought by staff for the office, delivered
    and invoiced (the delivery's on-commit task ran), with both office staff funded."""
    wipe(tenants.a)
    with tenants.a:
        seller = create_user(username=NAMES[0], full_name="Penjual", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        staf = create_user(username=NAMES[1], full_name="Staf", roles=[Role.STAF_OPD], password=PASSWORD)
        admin = create_user(username=NAMES[2], full_name="Admin", roles=[Role.ADMIN], password=PASSWORD)
        shop = marketplace.open_shop(seller, name=f"{PREFIX}Katering", address="Jl. Mojorejo 1")
        marketplace.update_shop(shop, seller, accepts_invoice=True, invoice_terms_days=30)
        spec = marketplace.VariantSpec(sku=f"{PREFIX}NK", price=25_000, stock=10)
        made = marketplace.create_product(shop, seller, name="Nasi kotak", variants=[spec])
        result = marketplace.place_and_pay(
            staf,
            [(made.variants.get().pk, 4)],
            idempotency_key=key(),
            payment_method=marketplace.INVOICE_METHOD,
        )
        order = result.orders[0]
        for action in ("accept", "pack", "ship", "deliver"):
            marketplace.transition(order, action, actor=seller)
        invoice = Invoice.objects.get(source_key=f"order:{order.pk}")
        for user in (staf, admin):
            fund(user, 200_000)
    connection.set_schema_to_public()
    try:
        yield {"invoice": invoice.pk, "order": order.pk, "payers": [staf, admin]}
    finally:
        connection.set_schema_to_public()
        wipe(tenants.a)


def test_two_office_payers_racing_on_an_order_invoice_mark_the_order_paid_once(
    tenants: TenantSet, terms_race: dict[str, Any]
) -> None:
    outcomes, errors = race_each(tenants.a, terms_race["payers"], paying(terms_race["invoice"]))
    assert errors == [], errors
    assert outcomes == Counter({"paid": 1, "already_paid": 1}), outcomes
    with tenants.a:
        invoice = Invoice.objects.get(pk=terms_race["invoice"])
        assert (invoice.status, invoice.amount_paid) == ("paid", 100_000)
        order = Order.objects.get(pk=terms_race["order"])
        assert order.paid_at is not None
        stamped = OrderEvent.objects.filter(order=order, action="invoice_paid")
        assert stamped.count() == 1
        bill = InvoiceEvent.objects.get(invoice=invoice, action="payment").ref_id

    _replays, errors = race_each(tenants.a, [bill] * 3, lambda pk: str(services.record_payment(pk) is not None))
    assert errors == [], errors
    with tenants.a:
        order = Order.objects.get(pk=terms_race["order"])
        assert OrderEvent.objects.filter(order=order, action="invoice_paid").count() == 1
