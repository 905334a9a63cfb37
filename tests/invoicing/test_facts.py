"""Daily invoice facts: issued, paid, days to pay (government vs business buyers) and overdue,
against figures worked out by hand from four invoices of Katering Pak Budi."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from time_machine import TimeMachineFixture

from apps.facts.metrics import Metric
from apps.invoicing import services
from apps.invoicing.facts import daily_facts
from apps.invoicing.models import Invoice
from apps.payments import services as payments
from tests.clock import jakarta

from .conftest import World, fund, key, manual

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D = TODAY - datetime.timedelta(days=3)


@pytest.fixture(autouse=True)
def _clock_on_today(time_machine: TimeMachineFixture) -> None:
    """TODAY is read when the file is collected; the clock runs on from 10:00 that day, so a run
    that crosses midnight does not put "today's" payments on the next day."""
    time_machine.move_to(jakarta(TODAY, datetime.time(10, 0)), tick=True)


@pytest.fixture(autouse=True)
def _no_mdr(settings: object) -> None:
    settings.PAYMENTS_FEE_BPS = 0  # type: ignore[attr-defined]


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def paid_on(invoice: Invoice, day: datetime.date) -> None:
    Invoice.objects.filter(pk=invoice.pk).update(status="paid", amount_paid=invoice.total, paid_at=at(day, 15))


def figures(day: datetime.date) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {(r.metric, r.dimension): (r.value, r.count, len(r.entity_keys)) for r in daily_facts(day)}


@pytest.fixture
def invoices(world: World) -> World:
    # A business buyer owes 1.000.000, due five days before D; 400.000 arrives today.
    late = manual(world, ("Nasi kotak", "40", 25_000), issue_date=D - datetime.timedelta(days=20), terms_days=15)
    bill = services.request_payment(late.pk, world.people.warga, amount=400_000)
    fund(world.people.warga, bill.amount)
    payments.pay_request_with_wallet(bill, world.people.warga, idempotency_key=key())
    services.record_payment(bill.pk)
    # The kelurahan office pays 2.000.000 ten days after the invoice date, on D.
    office = services.issue_invoice(
        world.shop,
        world.people.umkm_b,
        buyer_name="Kantor Kelurahan Mojorejo",
        buyer_is_office=True,
        lines=[{"description": "Konsumsi rapat", "quantity": "80", "unit": "kotak", "unit_price": 25_000}],
        issue_date=D - datetime.timedelta(days=10),
        terms_days=30,
    )
    paid_on(office, D)
    # A business invoice of 500.000 issued and paid on D; another issued on D and cancelled.
    paid_on(manual(world, ("Tumpeng", "1", 500_000), issue_date=D), D)
    void = manual(world, ("Snack", "10", 30_000), issue_date=D)
    Invoice.objects.filter(pk=void.pk).update(status="cancelled", status_reason="salah harga")
    return world


def test_invoice_facts_of_a_day_by_buyer(invoices: World) -> None:
    assert figures(D) == {
        (Metric.INVOICES_ISSUED, ""): (500_000, 1, 1),
        (Metric.INVOICES_ISSUED, "usaha"): (500_000, 1, 1),
        (Metric.INVOICES_PAID, ""): (2_500_000, 2, 1),
        (Metric.INVOICES_PAID, "pemerintah"): (2_000_000, 1, 1),
        (Metric.INVOICES_PAID, "usaha"): (500_000, 1, 1),
        # Days to pay: the office 10, the business buyer 0 (paid on the invoice date).
        (Metric.INVOICE_PAY_DAYS, ""): (10, 2, 1),
        (Metric.INVOICE_PAY_DAYS, "pemerintah"): (10, 1, 1),
        (Metric.INVOICE_PAY_DAYS, "usaha"): (0, 1, 1),
        # At the end of D the late invoice was still wholly open (its 400.000 came today).
        (Metric.INVOICES_OVERDUE, ""): (1_000_000, 1, 1),
        (Metric.INVOICES_OVERDUE, "usaha"): (1_000_000, 1, 1),
    }


def test_overdue_follows_the_payments_and_a_past_day_does_not_change(invoices: World) -> None:
    assert figures(TODAY)[(Metric.INVOICES_OVERDUE, "usaha")] == (600_000, 1, 1)
    assert figures(D)[(Metric.INVOICES_OVERDUE, "")] == (1_000_000, 1, 1)
    Invoice.objects.filter(status="partly_paid").update(status="paid", amount_paid=1_000_000, paid_at=at(TODAY))
    # Invoices exist but none is overdue at day end: a level of 0, not a stale one.
    assert figures(TODAY + datetime.timedelta(days=1)) == {(Metric.INVOICES_OVERDUE, ""): (0, 0, 0)}
    assert figures(D - datetime.timedelta(days=30)) == {}  # before the first invoice


def test_each_shops_share_is_attributed(invoices: World) -> None:
    rows = {(r.metric, r.dimension): r for r in daily_facts(D)}
    paid = rows[(Metric.INVOICES_PAID, "")]
    assert list(paid.entity_values.values()) == [2_500_000] and list(paid.entity_counts.values()) == [2]


def test_an_invoice_to_an_opd_of_the_kota_counts_as_a_government_buyer(invoices: World) -> None:
    # The late invoice is re-addressed to an OPD (apps.invoicing.routes sets buyer_opd).
    Invoice.objects.filter(status="partly_paid").update(buyer_opd="dinas-perdagangan")
    overdue = {k: v for k, v in figures(D).items() if k[0] == Metric.INVOICES_OVERDUE}
    assert overdue == {
        (Metric.INVOICES_OVERDUE, ""): (1_000_000, 1, 1),
        (Metric.INVOICES_OVERDUE, "pemerintah"): (1_000_000, 1, 1),
    }
