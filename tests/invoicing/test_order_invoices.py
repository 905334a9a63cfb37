"""B2B marketplace orders on invoice terms: a business buyer (or the office) orders with
payment "faktur" at a shop that accepts it → on delivery one invoice is issued (once) → paid in
full → the order is stamped paid once and counts as sold once. Residents, shops without terms
and vouchers are refused; cancelling before delivery needs no invoice; an order's invoice must be
cancelled before the order is refunded, and cancelling it alone moves no stock. Procurement: the
invoice's payment is the purchase order's payment, and no payment by hand beside an invoice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.facts.metrics import Metric
from apps.invoicing import services
from apps.invoicing.models import Invoice
from apps.jobs import repair
from apps.jobs.tasks import repair_tenant
from apps.marketplace import services as marketplace
from apps.marketplace.facts import daily_facts
from apps.marketplace.models import Order, OrderEvent, Placement, Stock
from apps.payments import services as payments
from apps.procurement import services as procurement
from apps.procurement.models import PurchaseOrder
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
from tests.marketplace.conftest import Market, make_market
from tests.procurement.conftest import advance

from .conftest import World, fund, key

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


@pytest.fixture
def market(tenant_a: Tenant, db: None) -> Iterator[Market]:
    """tests/marketplace's Pasar (Bu Sri's pecel shop, Bu Yati's oleh-oleh shop, Joko the resident)."""
    with tenant_a:
        yield make_market(tenant_a)


def accept_terms(market: Market, days: int = 14) -> None:
    marketplace.update_shop(market.pecel, market.sri, accepts_invoice=True, invoice_terms_days=days)


def order_on_terms(market: Market, buyer: Any, quantity: int = 3) -> Order:
    result = marketplace.place_and_pay(
        buyer, [(market.nasi.pk, quantity)], idempotency_key=key(), payment_method=marketplace.INVOICE_METHOD
    )
    assert len(result.orders) == 1
    return result.orders[0]


def deliver(market: Market, order: Order, capture: Any) -> Order:
    for action in ("accept", "pack", "ship"):
        marketplace.transition(order, action, actor=market.sri)
    with capture(execute=True):
        marketplace.transition(order, "deliver", actor=market.sri)
    return Order.objects.get(pk=order.pk)


def pay_in_full(invoice: Invoice, payer: Any, capture: Any) -> Any:
    fund(payer, invoice.remaining)
    bill = services.request_payment(invoice, payer)
    with capture(execute=True):
        payments.pay_request_with_wallet(bill, payer, idempotency_key=key())
    return bill


def gmv_of(day: Any) -> int:
    return sum(row.value for row in daily_facts(day) if row.metric == Metric.GMV and row.dimension == "")


def test_business_buyer_on_terms_is_invoiced_once_on_delivery_and_paid_once(
    market: Market, django_capture_on_commit_callbacks: Any
) -> None:
    accept_terms(market, days=14)
    order = order_on_terms(market, market.yati)  # Bu Yati buys for her shop "Oleh-oleh Bu Yati"
    assert order.status == Order.Status.ON_TERMS and order.payment_request_id is None
    assert order.terms_days == 14 and order.expires_at is None and order.paid_at is None
    assert Stock.objects.get(variant=market.nasi).quantity_allocated == 3
    # Not sold yet: nothing is paid until the invoice is.
    today = timezone.localdate(timezone.now(), JAKARTA)
    assert gmv_of(today) == 0

    order = deliver(market, order, django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(source_key=f"order:{order.pk}")
    assert invoice.source == Invoice.Source.ORDER and invoice.shop == market.pecel
    assert invoice.buyer_user == market.yati and invoice.buyer_name == market.oleh.name
    assert not invoice.buyer_is_office
    assert (invoice.total, invoice.tax) == (36_000, 0) and invoice.due_date == invoice.issue_date + timedelta(days=14)
    described = f"Nasi pecel — {market.nasi.name}" if market.nasi.name else "Nasi pecel"
    assert [(line.description, line.quantity, line.unit_price) for line in invoice.lines.all()] == [
        (described, 3, 12_000)
    ]
    assert Stock.objects.get(variant=market.nasi).quantity == 27  # shipped like any order
    # A retried task issues nothing twice.
    assert services.issue_from_order(order.pk) == invoice
    assert Invoice.objects.filter(source_key=f"order:{order.pk}").count() == 1

    # Refund while the invoice stands: refused, nothing restocked.
    with pytest.raises(Conflict) as refused:
        marketplace.transition(order, "refund", actor=market.sri)
    assert refused.value.code == "invoiced" and invoice.number in str(refused.value.message)

    bill = pay_in_full(invoice, market.yati, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    order.refresh_from_db()
    assert invoice.status == "paid" and order.paid_at is not None
    assert order.status == Order.Status.DELIVERED  # paid does not move the lifecycle
    assert OrderEvent.objects.filter(order=order, action="invoice_paid").count() == 1
    # Replayed settlement and a second stamp change nothing.
    services.record_payment(bill.pk)
    assert marketplace.mark_paid_by_invoice(order.pk, paid_at=timezone.now()) is False
    assert OrderEvent.objects.filter(order=order, action="invoice_paid").count() == 1
    # Counted once, on the day the invoice was paid; completing it adds nothing.
    assert gmv_of(timezone.localdate(order.paid_at, JAKARTA)) == 36_000
    marketplace.transition(order, "complete", actor=market.yati)
    assert gmv_of(timezone.localdate(order.paid_at, JAKARTA)) == 36_000


def test_office_staff_buy_for_the_office(market: Market, django_capture_on_commit_callbacks: Any) -> None:
    accept_terms(market)
    staf = create_user(username="b2b-staf", full_name="Rina Staf", roles=[Role.STAF_OPD], password=PASSWORD)
    lurah = create_user(username="b2b-lurah", full_name="Pak Lurah", roles=[Role.LURAH], password=PASSWORD)
    order = deliver(market, order_on_terms(market, staf), django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(source_key=f"order:{order.pk}")
    assert invoice.buyer_is_office and invoice.buyer_user == staf
    assert invoice.buyer_name.startswith("Kantor Kelurahan")
    assert services.is_buyer(lurah, invoice) and not services.is_buyer(market.joko, invoice)
    assert invoice.terms_days == 14  # the terms fixed on the order at checkout


def test_residents_shops_without_terms_and_vouchers_are_refused(market: Market) -> None:
    with pytest.raises(ValidationFailed) as not_offered:
        order_on_terms(market, market.yati)
    assert not_offered.value.code == "terms_not_offered" and "tidak menerima pembayaran dengan faktur" in str(
        not_offered.value.message
    )
    accept_terms(market)
    with pytest.raises(Forbidden) as resident:
        order_on_terms(market, market.joko)
    assert resident.value.status_code == 403 and resident.value.code == "terms_not_allowed"
    assert "hanya untuk pembeli usaha" in str(resident.value.message)
    with pytest.raises(ValidationFailed) as voucher:
        marketplace.place_orders(
            market.yati,
            [(market.nasi.pk, 1)],
            idempotency_key=key(),
            payment_method=marketplace.INVOICE_METHOD,
            voucher="ABC",
        )
    assert voucher.value.code in ("terms_with_voucher", "voucher_unavailable")
    assert not Order.objects.exists() and not Placement.objects.exists()
    assert Stock.objects.get(variant=market.nasi).quantity_allocated == 0


def test_shop_terms_setting_is_validated(market: Market) -> None:
    with pytest.raises(ValidationFailed) as bad:
        marketplace.update_shop(market.pecel, market.sri, accepts_invoice=True, invoice_terms_days=0)
    assert bad.value.code == "invalid_terms"
    market.pecel.refresh_from_db()
    assert not market.pecel.accepts_invoice


def test_cancel_before_delivery_needs_no_invoice(market: Market, django_capture_on_commit_callbacks: Any) -> None:
    accept_terms(market)
    order = order_on_terms(market, market.yati)
    with django_capture_on_commit_callbacks(execute=True):
        marketplace.transition(order, "cancel", actor=market.yati)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert Stock.objects.get(variant=market.nasi).quantity_allocated == 0
    assert services.issue_from_order(order.pk) is None and not Invoice.objects.exists()


def test_cancelling_the_invoice_moves_no_stock_then_the_refund_restocks(
    market: Market, django_capture_on_commit_callbacks: Any
) -> None:
    accept_terms(market)
    order = deliver(market, order_on_terms(market, market.yati), django_capture_on_commit_callbacks)
    invoice = Invoice.objects.get(source_key=f"order:{order.pk}")
    services.cancel(invoice, market.sri, reason="Barang dikembalikan pembeli")
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED and order.paid_at is None
    assert Stock.objects.get(variant=market.nasi).quantity == 27
    marketplace.transition(order, "refund", actor=market.sri)
    order.refresh_from_db()
    assert order.status == Order.Status.REFUNDED and Stock.objects.get(variant=market.nasi).quantity == 30
    # A late task for the refunded order issues nothing new.
    assert services.issue_from_order(order.pk) == invoice


def test_paid_procurement_invoice_records_the_purchase_payment_once(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    purchase = advance(world.people, "delivered")
    with django_capture_on_commit_callbacks(execute=True):
        procurement.accept_delivery(purchase, world.people.staf)
    order = PurchaseOrder.objects.get(request=purchase)
    invoice = Invoice.objects.get(source_key=f"procurement:{order.pk}")
    # No payment by hand beside the invoice.
    with pytest.raises(Conflict) as refused:
        procurement.record_payment(purchase, world.people.petugas, reference="SP2D-0001")
    assert refused.value.code == "invoiced"
    bill = pay_in_full(invoice, world.people.staf, django_capture_on_commit_callbacks)
    order.refresh_from_db()
    purchase.refresh_from_db()
    assert order.payment_status == PurchaseOrder.Payment.PAID and purchase.status == "paid"
    assert order.paid_amount == invoice.total and invoice.number in order.payment_reference
    assert bill.bill_number in order.payment_reference
    assert (
        procurement.record_invoice_payment(order.pk, reference="again", paid_at=timezone.now(), amount=invoice.total)
        is False
    )
    order.refresh_from_db()
    assert invoice.number in order.payment_reference


def test_a_purchase_paid_by_hand_first_gets_no_invoice(world: World) -> None:
    purchase = advance(world.people, "delivered")
    procurement.accept_delivery(purchase, world.people.staf)  # its on-commit invoice never runs here
    procurement.record_payment(purchase, world.people.petugas, reference="SP2D-0002")
    order = PurchaseOrder.objects.get(request=purchase)
    assert services.issue_from_procurement(order.pk) is None
    assert not Invoice.objects.filter(source_key=f"procurement:{order.pk}").exists()


def test_an_order_invoice_whose_task_was_lost_is_issued_by_the_repair_sweep(market: Market) -> None:
    accept_terms(market)
    order = order_on_terms(market, market.yati)
    for action in ("accept", "pack", "ship", "deliver"):
        marketplace.transition(order, action, actor=market.sri)  # on-commit tasks never run: lost
    assert not Invoice.objects.exists()
    # A source document older than the look-back is not looked at again.
    assert repair.repair_missing_invoices(now=timezone.now() + timedelta(days=31)) == []
    assert repair.repair_missing_invoices() == [f"order:{order.pk}"]
    assert Invoice.objects.get(source_key=f"order:{order.pk}").buyer_user == market.yati
    assert repair.repair_missing_invoices() == []  # once


def test_the_hourly_repair_task_issues_a_lost_order_invoice(market: Market, tenant_a: Tenant) -> None:
    """The real entry point: the beat's per-tenant task `jobs.repair_tenant`, queued (eager in
    tests) in the tenant's schema as `repair_everywhere` does, issues the invoice once."""
    accept_terms(market)
    order = order_on_terms(market, market.yati)
    for action in ("accept", "pack", "ship", "deliver"):
        marketplace.transition(order, action, actor=market.sri)  # on-commit tasks never run: lost
    assert not Invoice.objects.exists()
    assert repair_tenant.name == "jobs.repair_tenant"
    with tenant_a:
        result = repair_tenant.delay().get()
    assert result["invoices"] == [f"order:{order.pk}"]
    invoice = Invoice.objects.get(source_key=f"order:{order.pk}")
    assert invoice.buyer_user == market.yati
    with tenant_a:
        assert repair_tenant.delay().get()["invoices"] == []  # once


def test_a_procurement_invoice_whose_task_was_lost_is_issued_by_the_repair_sweep(world: World) -> None:
    purchase = advance(world.people, "delivered")
    procurement.accept_delivery(purchase, world.people.staf)  # its on-commit invoice never runs here
    order = PurchaseOrder.objects.get(request=purchase)
    assert repair.repair_missing_invoices() == [f"procurement:{order.pk}"]
    assert Invoice.objects.get(source_key=f"procurement:{order.pk}").buyer_is_office
    assert repair.repair_missing_invoices() == []
