"""The vertical slice and the rules around it: procurement acceptance → invoice (once) → PDF →
paid by QRIS in the sandbox (and by wallet, in parts) → paid; statuses, reminders, cancel,
dispute, ageing and cash flow."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.invoicing import pdf, selectors, services
from apps.invoicing.models import Invoice, InvoiceEvent
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import GatewayCharge, PaymentRequest
from apps.procurement import services as procurement
from apps.procurement.models import PurchaseOrder
from tests.pdf_fonts import assert_fonts_embedded, text_of
from tests.procurement.conftest import advance

from .conftest import World, fund, key, manual

pytestmark = pytest.mark.django_db
JAKARTA = ZoneInfo("Asia/Jakarta")


def accepted_invoice(world: World, capture: Any) -> Invoice:
    purchase = advance(world.people, "delivered")
    with capture(execute=True):
        procurement.accept_delivery(purchase, world.people.staf)
    order = PurchaseOrder.objects.get(request=purchase)
    return Invoice.objects.get(source_key=f"procurement:{order.pk}")


def pay_by_qris(bill: PaymentRequest, capture: Any) -> None:
    charge = GatewayCharge.objects.filter(payment_request=bill).latest("id")
    with capture(execute=True):
        payments.sandbox_pay(charge.order_id)


def test_accepted_delivery_is_invoiced_once_paid_by_qris_and_shows_paid(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = accepted_invoice(world, django_capture_on_commit_callbacks)
    # 50 kotak × Rp24.000 + 50 gelas × Rp2.500, to the buying office, net 30, no PPN (not PKP).
    assert invoice.shop == world.shop and invoice.buyer_is_office
    assert (invoice.subtotal, invoice.tax, invoice.total) == (1_325_000, 0, 1_325_000)
    assert invoice.status == "sent" and invoice.due_date == invoice.issue_date + timedelta(days=30)
    assert [(line.quantity, line.unit_price, line.amount) for line in invoice.lines.all()] == [
        (50, 24_000, 1_200_000),
        (50, 2_500, 125_000),
    ]
    assert Message.objects.filter(recipient=world.people.staf, event="invoicing.issued").exists()
    # The same acceptance again (a retried task) makes no second invoice.
    again = services.issue_from_procurement(invoice.source_key and int(invoice.source_key.split(":")[1]))
    assert again is not None and again.pk == invoice.pk
    assert Invoice.objects.count() == 1

    document = pdf.render_invoice(invoice, "Kelurahan Mojorejo")
    assert_fonts_embedded(document)
    assert invoice.number in text_of(document) and "Rp1.325.000" in text_of(document)

    services.mark_viewed(invoice, world.people.staf)
    invoice.refresh_from_db()
    assert invoice.status == "viewed"
    bill = services.request_payment(invoice, world.people.staf)
    assert bill.reference == f"invoice:{invoice.number}" and bill.amount == 1_325_000
    assert bill.merchant_id == world.shop.payment_account_id
    pay_by_qris(bill, django_capture_on_commit_callbacks)
    invoice.refresh_from_db()
    assert invoice.status == "paid" and invoice.amount_paid == 1_325_000 and invoice.remaining == 0
    assert invoice.open_request is None and invoice.paid_at is not None
    assert InvoiceEvent.objects.filter(invoice=invoice, action="payment").count() == 1
    # Replaying the settlement records nothing twice.
    services.record_payment(bill.pk)
    invoice.refresh_from_db()
    assert invoice.amount_paid == 1_325_000
    assert selectors.ageing(selectors.sold_by(world.people.umkm_b), services.today()).total == 0


def test_pkp_shop_adds_ppn_and_partial_payments_bill_the_remainder(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.shop.is_pkp = True
    world.shop.save(update_fields=["is_pkp"])
    invoice = manual(world, ("Katering rapat", "1", 1_000_000), ("Snack", "1", 234_567))
    assert (invoice.subtotal, invoice.tax_percent, invoice.tax, invoice.total) == (1_234_567, 11, 135_802, 1_370_369)
    buyer = world.people.warga
    fund(buyer, 2_000_000)
    first = services.request_payment(invoice, buyer, amount=500_000)
    assert services.request_payment(invoice, buyer, amount=500_000).pk == first.pk  # same amount: same bill
    with django_capture_on_commit_callbacks(execute=True):
        payments.pay_request_with_wallet(first, buyer, idempotency_key=key())
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.remaining) == ("partly_paid", 500_000, 870_369)
    with pytest.raises(ValidationFailed):
        services.request_payment(invoice, buyer, amount=870_370)
    rest = services.request_payment(invoice, buyer)
    assert rest.amount == 870_369
    with django_capture_on_commit_callbacks(execute=True):
        payments.pay_request_with_wallet(rest, buyer, idempotency_key=key())
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid, invoice.remaining) == ("paid", 1_370_369, 0)
    with pytest.raises(Conflict):
        services.request_payment(invoice, buyer)


def test_another_amount_cancels_the_open_bill(world: World) -> None:
    invoice = manual(world)
    first = services.request_payment(invoice, world.people.warga)
    second = services.request_payment(invoice, world.people.warga, amount=100_000)
    first.refresh_from_db()
    assert first.status == "cancelled" and second.status == "open" and second.amount == 100_000


def test_typed_amounts_are_read_the_indonesian_way(world: World) -> None:
    """ "1.500,50" is Rp1.500 and 50 sen (refused), never Rp150.050; "1500.50" is not Rp150.050 either."""
    invoice = manual(world)
    for typed in ("1.500,50", "1500.50", "1,500", "Rp-1.500"):
        with pytest.raises(ValidationFailed) as exc:
            services.request_payment(invoice, world.people.warga, amount=typed)
        assert exc.value.code == "invalid_number", typed
    assert services.request_payment(invoice, world.people.warga, amount="Rp100.000,-").amount == 100_000


def test_numbering_and_manual_issue_rules(world: World) -> None:
    one = manual(world)
    two = manual(world)
    assert one.number.endswith(f"-{one.issue_date.year}-0001") and two.number.endswith("-0002")
    with pytest.raises(ValidationFailed):
        manual(world, ("", "1", 1000))
    with pytest.raises(ValidationFailed):
        manual(world, ("Nasi", "0", 1000))
    with pytest.raises(ValidationFailed):
        manual(world, buyer=world.people.umkm_b)  # to oneself
    with pytest.raises(Forbidden):
        services.seller_shop(world.people.warga)
    with pytest.raises(Conflict):
        services.seller_shop(world.people.umkm)  # a UMKM without a shop


def test_cancel_needs_a_reason_the_seller_and_no_payment(world: World, django_capture_on_commit_callbacks: Any) -> None:
    invoice = manual(world)
    with pytest.raises(ValidationFailed):
        services.cancel(invoice, world.people.umkm_b, reason=" ")
    with pytest.raises(Forbidden):
        services.cancel(invoice, world.people.warga, reason="salah")
    paid = manual(world)
    fund(world.people.warga, 500_000)
    bill = services.request_payment(paid, world.people.warga, amount=100_000)
    with django_capture_on_commit_callbacks(execute=True):
        payments.pay_request_with_wallet(bill, world.people.warga, idempotency_key=key())
    with pytest.raises(Conflict):
        services.cancel(paid, world.people.umkm_b, reason="salah harga")
    open_bill = services.request_payment(invoice, world.people.warga)
    done = services.cancel(invoice, world.people.umkm_b, reason="Salah harga")
    open_bill.refresh_from_db()
    assert done.status == "cancelled" and done.status_reason == "Salah harga" and open_bill.status == "cancelled"
    with pytest.raises(Conflict):
        services.request_payment(invoice, world.people.warga)


def test_seller_opening_does_not_mark_viewed(world: World) -> None:
    invoice = manual(world)
    assert services.mark_viewed(invoice, world.people.umkm_b).status == "sent"
    assert services.mark_viewed(invoice, world.people.lurah).status == "sent"  # not addressed to the office
    assert services.mark_viewed(invoice, world.people.warga).status == "viewed"


def test_dispute_blocks_payment_until_closed(world: World) -> None:
    invoice = manual(world)
    with pytest.raises(ValidationFailed):
        services.set_dispute(invoice, world.people.warga, disputed=True)
    services.set_dispute(invoice, world.people.warga, disputed=True, reason="Barang kurang 5")
    with pytest.raises(Conflict):
        services.request_payment(invoice, world.people.warga)
    services.set_dispute(invoice, world.people.umkm_b, disputed=False)
    assert services.request_payment(invoice, world.people.warga).amount == invoice.total


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=JAKARTA).replace(hour=9)


def test_reminders_before_and_after_the_due_date_and_overdue(world: World) -> None:
    invoice = manual(world, terms_days=10)
    due = invoice.due_date
    assert invoice.next_reminder_on == due - timedelta(days=3)
    assert services.next_due() == datetime.combine(due - timedelta(days=3), services.REMIND_AT, tzinfo=JAKARTA)
    assert services.remind_due(at(due - timedelta(days=4))) == 0
    assert services.remind_due(at(due - timedelta(days=3))) == 1
    assert services.remind_due(at(due - timedelta(days=3))) == 0  # once
    invoice.refresh_from_db()
    assert invoice.status == "sent" and invoice.next_reminder_on == due + timedelta(days=1)
    assert Message.objects.filter(recipient=world.people.warga, event="invoicing.reminder").count() >= 1
    assert services.remind_due(at(due + timedelta(days=1))) == 1
    invoice.refresh_from_db()
    assert invoice.status == "overdue"
    assert Message.objects.filter(recipient=world.people.umkm_b, event="invoicing.reminder").exists()
    # A sweep that ran late sends one reminder for the days it missed, not one per day.
    assert services.remind_due(at(due + timedelta(days=40))) == 1
    invoice.refresh_from_db()
    assert invoice.next_reminder_on is None and invoice.reminders_sent == 4


def test_partial_payment_on_an_overdue_invoice_keeps_it_overdue(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    invoice = manual(world, terms_days=0, issue_date=services.today() - timedelta(days=5))
    services.remind_due()
    invoice.refresh_from_db()
    assert invoice.status == "overdue"
    fund(world.people.warga, 300_000)
    bill = services.request_payment(invoice, world.people.warga, amount=300_000)
    with django_capture_on_commit_callbacks(execute=True):
        payments.pay_request_with_wallet(bill, world.people.warga, idempotency_key=key())
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_paid) == ("overdue", 300_000)


def test_ageing_and_cash_flow(world: World) -> None:
    today = services.today()
    manual(world, ("A", "1", 100_000), terms_days=30)  # current, due in week 4
    manual(world, ("B", "1", 200_000), terms_days=0, issue_date=today - timedelta(days=10))  # 10 days late
    manual(world, ("C", "1", 300_000), terms_days=0, issue_date=today - timedelta(days=45))  # 45 days late
    manual(world, ("D", "1", 400_000), terms_days=0, issue_date=today - timedelta(days=100))  # 100 days late
    gone = manual(world, ("E", "1", 999_000))
    services.cancel(gone, world.people.umkm_b, reason="Batal")
    report = selectors.ageing(selectors.sold_by(world.people.umkm_b), today)
    assert {b.key: (b.count, b.amount) for b in report.buckets} == {
        "current": (1, 100_000),
        "1_30": (1, 200_000),
        "31_60": (1, 300_000),
        "61_90": (0, 0),
        "over_90": (1, 400_000),
    }
    assert report.total == 1_000_000
    # The seller owes Bu Sri's... the warga-addressed ones are "out" for the warga, "in" for the seller.
    weeks = selectors.cash_flow(world.people.umkm_b, today)
    assert len(weeks) == 8
    assert weeks[0].expected_in == 900_000  # overdue money is expected now
    assert weeks[30 // 7].expected_in == 100_000
    out = selectors.cash_flow(world.people.warga, today)
    assert out[0].expected_out == 900_000 and sum(w.expected_in for w in out) == 0
