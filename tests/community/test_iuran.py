"""Iuran: schedules, wallet/QRIS/cash payments, double payments, arrears, reminders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db import connection, transaction

from apps.community import selectors, services, tasks
from apps.community.models import CashBookEntry, IuranPayment
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.notifications.models import Message
from apps.payments import services as pay
from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, notification_body
from apps.payments.models import GatewayCharge, JournalEntry
from apps.tenancy.models import Tenant
from tests.community.conftest import World, balance, entries_balanced, fund, key, ledger_sum

pytestmark = pytest.mark.django_db
Capture = Callable[..., Any]


def test_schedule_amount_changes_from_a_month_on(scheduled: World) -> None:
    book = scheduled.rt1.book
    services.set_schedule(book, actor=scheduled.rt1.treasurer, amount=15_000, start_month="2026-07")
    assert services.amount_for_month(book, date(2025, 12, 1)) == 0
    assert services.amount_for_month(book, date(2026, 6, 1)) == 10_000
    assert services.amount_for_month(book, date(2026, 7, 1)) == 15_000
    assert services.amount_for_month(book, date(2027, 1, 1)) == 15_000
    # the same month again corrects it
    services.set_schedule(book, actor=scheduled.rt1.treasurer, amount=12_000, start_month="2026-07-01")
    assert services.amount_for_month(book, date(2026, 8, 1)) == 12_000
    assert book.schedules.count() == 2
    with pytest.raises(ValidationFailed):
        services.set_schedule(book, actor=scheduled.rt1.treasurer, amount=0, start_month="2026-08")
    with pytest.raises(ValidationFailed):
        services.set_schedule(book, actor=scheduled.rt1.treasurer, amount=1_000, start_month="Juli")


def test_wallet_payment_debits_wallet_credits_rt_cash_and_is_idempotent(scheduled: World) -> None:
    w = scheduled
    wallet = fund(w.joko, 25_000)
    k = key()
    first = services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=k)
    again = services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=k)  # a retried request
    assert again.pk == first.pk and first.status == IuranPayment.Status.PAID
    assert balance(wallet) == 15_000
    assert balance(w.rt1.book.digital_account) == 10_000
    assert IuranPayment.objects.filter(member=w.joko).count() == 1
    assert CashBookEntry.objects.filter(cash_book=w.rt1.book).count() == 1
    entry = first.entry
    assert entry is not None and entry.channel == "wallet" and entry.member == w.joko
    lines = dict(entry.journal_entry.postings.values_list("account_id", "amount"))
    assert lines == {wallet.pk: -10_000, w.rt1.book.digital_account_id: 10_000}
    assert ledger_sum() == 0 and entries_balanced()
    assert Message.objects.filter(recipient=w.joko, event="community.iuran_paid").exists()


def test_double_payment_for_the_same_month_is_a_clear_409_and_changes_nothing(scheduled: World) -> None:
    w = scheduled
    wallet = fund(w.joko, 50_000)
    services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=key())
    before = (balance(wallet), JournalEntry.objects.count())
    with pytest.raises(Conflict) as exc:
        services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=key())
    assert exc.value.code == "already_paid" and "2026-03" in str(exc.value.message)
    with pytest.raises(Conflict):
        services.record_iuran_cash(w.rt1.book, w.joko, "2026-03", actor=w.rt1.treasurer)
    with pytest.raises(Conflict):
        services.start_iuran_qris(w.joko, "2026-03")
    assert (balance(wallet), JournalEntry.objects.count()) == before


def test_insufficient_wallet_is_a_409_and_leaves_no_trace(scheduled: World) -> None:
    w = scheduled
    wallet = fund(w.joko, 9_999)
    with pytest.raises(Conflict) as exc:
        services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=key())
    assert exc.value.code == "insufficient_funds"
    assert balance(wallet) == 9_999 and not IuranPayment.objects.exists() and not CashBookEntry.objects.exists()


def test_months_that_cannot_be_paid(scheduled: World) -> None:
    w = scheduled
    fund(w.joko, 500_000)
    with pytest.raises(ValidationFailed) as exc:
        services.pay_iuran_with_wallet(w.joko, "2025-12", client_key=key())  # before the schedule
    assert exc.value.code == "no_schedule"
    far = services.add_months(services.this_month(), services.MONTHS_AHEAD + 1)
    with pytest.raises(ValidationFailed):
        services.pay_iuran_with_wallet(w.joko, far, client_key=key())
    with pytest.raises(ValidationFailed):
        services.pay_iuran_with_wallet(w.joko, "2026-13", client_key=key())
    with pytest.raises(NotFound):
        services.pay_iuran_with_wallet(w.outsider, "2026-01", client_key=key())  # lives in no RT
    with pytest.raises(ValidationFailed):
        services.pay_iuran_with_wallet(w.andi, "2026-01", client_key=key())  # RT 02 has no schedule
    assert not IuranPayment.objects.exists()


def test_cash_recorded_by_treasurer(scheduled: World) -> None:
    w = scheduled
    book = w.rt1.book
    payment = services.record_iuran_cash(book, w.sri, "2026-02", actor=w.rt1.treasurer)
    assert payment.method == "cash" and payment.recorded_by == w.rt1.treasurer
    assert selectors.balances(book).cash == 10_000 and selectors.balances(book).digital == 0
    assert payment.entry is not None and payment.entry.channel == "cash"
    with pytest.raises(ValidationFailed):  # not a resident of RT 01
        services.record_iuran_cash(book, w.andi, "2026-02", actor=w.rt1.treasurer)


def test_arrears_list(scheduled: World) -> None:
    w = scheduled
    book, t = w.rt1.book, w.rt1.treasurer
    today = date(2026, 4, 15)
    current = date(2026, 4, 1)
    for month in ("2026-01", "2026-02", "2026-03"):
        services.record_iuran_cash(book, w.sri, month, actor=t)
    services.record_iuran_cash(book, w.joko, "2026-01", actor=t)
    services.add_exemption(book, w.rt1.treasurer, actor=w.rt1.ketua, from_month="2026-01", reason="bendahara")
    late = selectors.arrears(book, today=today)
    assert [d.member for d in late] == [w.joko]
    assert late[0].overdue(current) == [(date(2026, 2, 1), 10_000), (date(2026, 3, 1), 10_000)]
    # Sri is not late (April is the current month), the treasurer is exempt
    dues = {d.member.pk: d for d in selectors.all_member_dues(book, until=current)}
    assert dues[w.sri.pk].unpaid == [(current, 10_000)]
    assert dues[w.rt1.treasurer.pk].unpaid == [] and len(dues[w.rt1.treasurer.pk].exempt) == 4
    services.record_iuran_cash(book, w.joko, "2026-02", actor=t)
    services.record_iuran_cash(book, w.joko, "2026-03", actor=t)
    assert selectors.arrears(book, today=today) == []


def test_exemption_blocks_payment_and_must_be_a_resident(scheduled: World) -> None:
    w = scheduled
    services.add_exemption(
        w.rt1.book, w.joko, actor=w.rt1.treasurer, from_month="2026-01", until_month="2026-02", reason="baru pindah"
    )
    fund(w.joko, 50_000)
    with pytest.raises(ValidationFailed) as exc:
        services.pay_iuran_with_wallet(w.joko, "2026-02", client_key=key())
    assert exc.value.code == "exempt"
    services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=key())
    with pytest.raises(ValidationFailed):
        services.add_exemption(w.rt1.book, w.andi, actor=w.rt1.treasurer, from_month="2026-01", reason="x")
    with pytest.raises(ValidationFailed):
        services.add_exemption(
            w.rt1.book, w.joko, actor=w.rt1.treasurer, from_month="2026-05", until_month="2026-04", reason="x"
        )


def _settle(charge: GatewayCharge) -> None:
    tx = pay.sandbox_gateway().pay(charge.order_id)
    pay.receive_notification(notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY), remote_addr="127.0.0.1")


def test_qris_payment_lands_in_rt_cash_through_the_gateway(scheduled: World) -> None:
    w = scheduled
    payment = services.start_iuran_qris(w.joko, "2026-04")
    assert payment.status == "pending" and payment.charge is not None
    assert payment.charge.qr_string.startswith("000201")
    assert services.start_iuran_qris(w.joko, "2026-04").pk == payment.pk  # reused while open
    assert services.sync_iuran_payment(payment).status == "pending"
    _settle(payment.charge)
    synced = services.sync_iuran_payment(payment)
    assert synced.status == "paid" and synced.entry is not None and synced.entry.channel == "qris"
    assert synced.entry.journal_entry_id == GatewayCharge.objects.get(pk=payment.charge_id).settlement_entry_id
    assert balance(w.rt1.book.digital_account) == 10_000
    assert services.sync_iuran_payment(payment).entry == synced.entry  # idempotent
    assert selectors.book_totals(w.rt1.book) == (10_000, 0)
    assert ledger_sum() == 0


def test_qris_settling_after_a_wallet_payment_is_booked_and_given_back(scheduled: World) -> None:
    w = scheduled
    wallet = fund(w.joko, 10_000)
    pending = services.start_iuran_qris(w.joko, "2026-04")
    services.pay_iuran_with_wallet(w.joko, "2026-04", client_key=key())
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    assert pending.charge is not None
    # the payer's bank app paid anyway before the cancellation reached the gateway
    from apps.sandbox.models import SandboxTransaction

    SandboxTransaction.objects.filter(order_id=pending.charge.order_id).update(status="pending")
    _settle(pending.charge)
    result = services.sync_iuran_payment(pending)
    assert result.status == "duplicate"
    assert balance(wallet) == 10_000  # paid 10.000 by wallet, got the QRIS 10.000 back
    assert balance(w.rt1.book.digital_account) == 10_000
    assert selectors.book_totals(w.rt1.book) == (20_000, 10_000)
    assert IuranPayment.objects.filter(member=w.joko, status="paid").count() == 1


def test_reminders_once_per_member_per_month(scheduled: World) -> None:
    w = scheduled
    services.record_iuran_cash(w.rt1.book, w.sri, "2026-01", actor=w.rt1.treasurer)
    today = date(2026, 2, 20)
    first = services.send_iuran_reminders(today=today)
    second = services.send_iuran_reminders(today=today)
    reminders = Message.objects.filter(event="community.iuran_reminder")
    assert first == 3 and second == 0  # sri owes February, joko and the treasurer both months
    assert (
        reminders.filter(recipient=w.joko).count()
        == reminders.filter(recipient=w.joko).values("channel").distinct().count()
        == 1
    )
    assert "2026-01, 2026-02" in reminders.get(recipient=w.joko).body
    # the next month: one more each
    assert services.send_iuran_reminders(today=date(2026, 3, 20)) == 3
    assert reminders.filter(recipient=w.joko).count() == 2
    # paid up: no reminder
    for month in ("2026-01", "2026-02", "2026-03", "2026-04"):
        services.record_iuran_cash(w.rt1.book, w.joko, month, actor=w.rt1.treasurer)
    assert services.send_iuran_reminders(today=date(2026, 4, 20)) == 2
    assert reminders.filter(recipient=w.joko).count() == 2


def test_reminders_wait_for_the_reminder_day_in_the_current_month(scheduled: World, settings: object) -> None:
    w = scheduled
    for month in ("2026-01", "2026-02"):
        services.record_iuran_cash(w.rt1.book, w.joko, month, actor=w.rt1.treasurer)
    services.add_exemption(w.rt1.book, w.sri, actor=w.rt1.treasurer, from_month="2026-01", reason="x")
    services.add_exemption(w.rt1.book, w.rt1.treasurer, actor=w.rt1.treasurer, from_month="2026-01", reason="x")
    assert services.send_iuran_reminders(today=date(2026, 3, 2)) == 0
    assert services.send_iuran_reminders(today=date(2026, 3, 10)) == 1


def test_beat_task_fans_out_and_runs_twice_without_new_reminders(scheduled: World, tenant_a: Tenant) -> None:
    w = scheduled
    connection.set_schema_to_public()  # beat runs in the public schema
    queued = tasks.send_reminders_everywhere.apply().get()
    assert queued >= 2  # the kota and both kelurahan of the test session
    tasks.send_reminders_everywhere.apply().get()
    with tenant_a:
        reminders = Message.objects.filter(event="community.iuran_reminder", recipient=w.joko)
        assert reminders.count() == 1
        assert tasks.send_reminders.apply().get()["iuran"] == 0


def test_an_expired_qris_cancels_the_pending_payment_and_a_new_one_can_start(scheduled: World) -> None:
    w = scheduled
    pending = services.start_iuran_qris(w.joko, "2026-05")
    assert pending.charge is not None
    GatewayCharge.objects.filter(pk=pending.charge_id).update(status="expire")
    assert services.sync_pending_qris(member=w.joko) == 1
    pending.refresh_from_db()
    assert pending.status == "cancelled"
    fresh = services.start_iuran_qris(w.joko, "2026-05")
    assert fresh.pk != pending.pk and fresh.status == "pending"
    assert selectors.book_totals(w.rt1.book) == (0, 0)


@pytest.fixture
def synced(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The iuran payments the settlement events had synced (the task calls services.sync_iuran_payment)."""
    calls: list[int] = []
    original = services.sync_iuran_payment

    def spy(payment: IuranPayment) -> IuranPayment:
        calls.append(payment.pk)
        return original(payment)

    monkeypatch.setattr(services, "sync_iuran_payment", spy)
    return calls


def test_a_settled_qris_iuran_is_paid_by_its_event_at_once(
    scheduled: World, synced: list[int], django_capture_on_commit_callbacks: Capture
) -> None:
    w = scheduled
    payment = services.start_iuran_qris(w.joko, "2026-04")
    assert payment.charge is not None and payment.charge.reference == f"iuran:{payment.public_id}"
    with django_capture_on_commit_callbacks(execute=True):
        pay.sandbox_pay(payment.charge.order_id)  # the bank app pays, the gateway notifies: no polling
    payment.refresh_from_db()
    assert payment.status == "paid" and payment.entry is not None and payment.entry.channel == "qris"
    assert synced == [payment.pk]
    assert balance(w.rt1.book.digital_account) == 10_000
    # The gateway sends the webhook again: a duplicate, no second event, nothing booked twice.
    tx = pay.sandbox_gateway().pay(payment.charge.order_id)
    with django_capture_on_commit_callbacks(execute=True):
        log = pay.receive_notification(notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY))
    assert log.outcome == "duplicate" and synced == [payment.pk]
    assert CashBookEntry.objects.filter(cash_book=w.rt1.book).count() == 1
    assert selectors.book_totals(w.rt1.book) == (10_000, 0) and ledger_sum() == 0


def test_a_rolled_back_iuran_settlement_pays_nothing(
    scheduled: World, synced: list[int], django_capture_on_commit_callbacks: Capture
) -> None:
    w = scheduled
    payment = services.start_iuran_qris(w.joko, "2026-04")
    assert payment.charge is not None
    tx = pay.sandbox_gateway().pay(payment.charge.order_id)
    body = notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        pay.receive_notification(body)
        raise RuntimeError("rolled back after the settlement was posted")
    payment.refresh_from_db()
    assert payment.status == "pending" and synced == []
    assert balance(w.rt1.book.digital_account) == 0
