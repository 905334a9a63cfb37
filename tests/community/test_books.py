"""Kas RT: double-entry books that balance, receipts, voiding, reports that chain."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.community import selectors, services
from apps.community.models import CashBookEntry, Category, IuranPayment
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.payments.models import AccountKind, JournalEntry
from apps.payments.reconciliation import reconcile, verify_balances
from apps.tenancy.models import Tenant
from tests.community.conftest import JPEG, PDF, PNG, World, balance, entries_balanced, fund, key, ledger_sum

pytestmark = pytest.mark.django_db


def _books_balance(world: World) -> None:
    book = world.rt1.book
    income, expense = selectors.book_totals(book)
    money = selectors.balances(book)
    assert money.total == income - expense
    assert ledger_sum() == 0
    assert entries_balanced()
    assert verify_balances() == []


def test_cash_book_has_three_ledger_accounts(world: World) -> None:
    book = world.rt1.book
    assert book.digital_account.kind == AccountKind.RT_CASH
    assert book.cash_account.kind == AccountKind.RT_CASH
    assert not book.digital_account.allow_negative and not book.cash_account.allow_negative
    assert book.clearing_account.allow_negative
    assert services.open_cash_book(world.rt1.rt).pk == book.pk  # idempotent


def test_income_and_expense_post_balanced_entries(scheduled: World) -> None:
    w = scheduled
    book = w.rt1.book
    t = w.rt1.treasurer
    fund(w.joko, 50_000)
    services.pay_iuran_with_wallet(w.joko, "2026-01", client_key=key())
    services.record_iuran_cash(book, w.sri, "2026-01", actor=t)
    services.record_income(book, actor=t, amount=250_000, category=Category.DONASI, description="Sumbangan 17-an")
    services.record_expense(book, actor=t, amount=60_000, category=Category.KEBERSIHAN, description="Kantong sampah")
    services.record_expense(
        book,
        actor=t,
        amount=5_000,
        category=Category.SOSIAL,
        description="Transfer ke Andi",
        channel=CashBookEntry.Channel.TRANSFER,
        recipient=w.andi,
    )
    money = selectors.balances(book)
    assert money.digital == 10_000 - 5_000
    assert money.cash == 10_000 + 250_000 - 60_000
    assert selectors.book_totals(book) == (270_000, 65_000)
    _books_balance(w)
    assert balance(book.clearing_account) == -(10_000 + 250_000 - 60_000)
    run = reconcile(triggered_by="test", ask_gateway=False)
    assert run.mismatch_count == 0, list(run.mismatches.values_list("kind", "reference"))


def test_spending_more_than_there_is_refused_and_nothing_recorded(world: World) -> None:
    book = world.rt1.book
    services.record_income(book, actor=world.rt1.treasurer, amount=20_000, category=Category.DONASI, description="x")
    before = (CashBookEntry.objects.count(), JournalEntry.objects.count())
    with pytest.raises(Conflict) as exc:
        services.record_expense(
            book, actor=world.rt1.treasurer, amount=20_001, category=Category.LAINNYA, description="terlalu banyak"
        )
    assert exc.value.code == "insufficient_funds"
    with pytest.raises(Conflict):  # the digital balance is empty
        services.record_expense(
            book,
            actor=world.rt1.treasurer,
            amount=1_000,
            category=Category.LAINNYA,
            description="transfer",
            channel="transfer",
            recipient=world.andi,
        )
    assert (CashBookEntry.objects.count(), JournalEntry.objects.count()) == before


@pytest.mark.parametrize("amount", [0, -5_000, "-5.000", "abc", None, 1.5, "", 10**12])
def test_bad_amounts_are_refused_and_change_nothing(world: World, amount: object) -> None:
    before = JournalEntry.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.record_income(
            world.rt1.book, actor=world.rt1.treasurer, amount=amount, category=Category.DONASI, description="x"
        )
    assert exc.value.status_code == 422
    assert JournalEntry.objects.count() == before and not CashBookEntry.objects.exists()


def test_bad_category_description_and_date_are_refused(world: World) -> None:
    book, t = world.rt1.book, world.rt1.treasurer
    with pytest.raises(ValidationFailed):
        services.record_income(book, actor=t, amount=1_000, category="judi", description="x")
    with pytest.raises(ValidationFailed):
        services.record_income(book, actor=t, amount=1_000, category=Category.IURAN, description="iuran umum")
    with pytest.raises(ValidationFailed):
        services.record_expense(book, actor=t, amount=1_000, category=Category.DONASI, description="x")
    with pytest.raises(ValidationFailed):
        services.record_income(book, actor=t, amount=1_000, category=Category.DONASI, description="   ")
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(ValidationFailed):
        services.record_income(
            book, actor=t, amount=1_000, category=Category.DONASI, description="x", occurred_on=tomorrow
        )
    assert not CashBookEntry.objects.exists()


def test_same_client_key_records_once(world: World) -> None:
    book, t = world.rt1.book, world.rt1.treasurer
    k = key()
    first = services.record_income(book, actor=t, amount=7_000, category=Category.DONASI, description="a", client_key=k)
    again = services.record_income(book, actor=t, amount=7_000, category=Category.DONASI, description="a", client_key=k)
    assert again.pk == first.pk
    assert selectors.balances(book).cash == 7_000
    with pytest.raises(Conflict):
        services.record_income(book, actor=t, amount=8_000, category=Category.DONASI, description="a", client_key=k)


@pytest.mark.parametrize(("content", "kind"), [(JPEG, "image/jpeg"), (PNG, "image/png"), (PDF, "application/pdf")])
def test_receipts_are_typed_by_content_and_stored_in_the_tenant_folder(
    world: World, content: bytes, kind: str, tenant_a: Tenant
) -> None:
    book, t = world.rt1.book, world.rt1.treasurer
    services.record_income(book, actor=t, amount=5_000, category=Category.DONASI, description="modal")
    upload = SimpleUploadedFile("nota.txt", content, content_type="text/plain")  # name and type lie
    line = services.record_expense(
        book, actor=t, amount=1_000, category=Category.KEBERSIHAN, description="sapu", receipt=upload
    )
    assert line.receipt_type == kind
    assert line.receipt.name.startswith(f"kas/rt-{book.pk}/") and "nota" not in line.receipt.name
    path = default_storage.path(line.receipt.name)
    assert f"/{tenant_a.schema_name}/kas/" in path
    assert default_storage.open(line.receipt.name).read() == content
    default_storage.delete(line.receipt.name)


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"MZ\x90\x00 not a photo", "file_type"),
        (b"<html><script>alert(1)</script>", "file_type"),
        (b"", "file_empty"),
        (b"\xff\xd8\xff" + b"\x00" * (2 * 1024 * 1024), "file_too_large"),
    ],
)
def test_bad_receipts_are_refused_and_nothing_changes(world: World, content: bytes, code: str) -> None:
    book, t = world.rt1.book, world.rt1.treasurer
    services.record_income(book, actor=t, amount=5_000, category=Category.DONASI, description="modal")
    before = (CashBookEntry.objects.count(), JournalEntry.objects.count(), selectors.balances(book))
    with pytest.raises(ValidationFailed) as exc:
        services.record_expense(
            book,
            actor=t,
            amount=1_000,
            category=Category.KEBERSIHAN,
            description="sapu",
            receipt=SimpleUploadedFile("nota.jpg", content, content_type="image/jpeg"),
        )
    assert exc.value.code == code
    assert (CashBookEntry.objects.count(), JournalEntry.objects.count(), selectors.balances(book)) == before


def test_void_reverses_in_the_ledger_and_reopens_the_iuran_month(scheduled: World) -> None:
    w = scheduled
    book, t = w.rt1.book, w.rt1.treasurer
    payment = services.record_iuran_cash(book, w.joko, "2026-02", actor=t)
    assert payment.entry is not None
    line = services.void_entry(payment.entry, actor=t, reason="salah orang")
    assert line.voided_at is not None and line.void_entry is not None
    assert line.void_entry.reverses_id == line.journal_entry_id
    assert selectors.balances(book).total == 0 == sum(selectors.book_totals(book))
    payment.refresh_from_db()
    assert payment.status == IuranPayment.Status.CANCELLED
    again = services.record_iuran_cash(book, w.joko, "2026-02", actor=t)
    assert again.status == IuranPayment.Status.PAID
    assert services.void_entry(line, actor=t, reason="lagi").pk == line.pk  # idempotent
    _books_balance(w)


def test_only_treasurer_or_ketua_of_this_rt_can_record(scheduled: World) -> None:
    w = scheduled
    book = w.rt1.book
    for intruder in (w.rt2.treasurer, w.rt2.ketua, w.joko, w.outsider, w.staff):
        with pytest.raises(Forbidden):
            services.record_income(book, actor=intruder, amount=1_000, category=Category.DONASI, description="x")
        with pytest.raises(Forbidden):
            services.record_expense(book, actor=intruder, amount=1_000, category=Category.LAINNYA, description="x")
        with pytest.raises(Forbidden):
            services.record_iuran_cash(book, w.joko, "2026-01", actor=intruder)
        with pytest.raises(Forbidden):
            services.set_schedule(book, actor=intruder, amount=1, start_month="2026-01")
    services.record_income(book, actor=w.rt1.ketua, amount=1_000, category=Category.DONASI, description="ketua")
    line = services.record_income(book, actor=w.rt1.treasurer, amount=1_000, category=Category.DONASI, description="b")
    with pytest.raises(Forbidden):
        services.void_entry(line, actor=w.rt2.treasurer, reason="iseng")
    assert selectors.balances(book).cash == 2_000
    assert not selectors.book_totals(w.rt2.book)[0]


def test_assigning_a_treasurer(world: World) -> None:
    rt = world.rt1.rt
    with pytest.raises(Forbidden):
        services.assign_treasurer(rt, world.joko, actor=world.rt1.treasurer)
    with pytest.raises(Forbidden):
        services.assign_treasurer(rt, world.joko, actor=world.rt2.ketua)
    services.assign_treasurer(rt, world.joko, actor=world.staff)
    with pytest.raises(Forbidden):  # the previous treasurer stepped down
        services.record_income(
            world.rt1.book, actor=world.rt1.treasurer, amount=1_000, category=Category.DONASI, description="x"
        )
    services.record_income(world.rt1.book, actor=world.joko, amount=1_000, category=Category.DONASI, description="x")
    assert rt.treasurers.filter(ended_at__isnull=True).get().user == world.joko


def test_report_chains_month_to_month_and_matches_the_ledger(scheduled: World) -> None:
    w = scheduled
    book, t = w.rt1.book, w.rt1.treasurer
    fund(w.joko, 100_000)
    days = [date(2026, 1, 5), date(2026, 1, 20), date(2026, 2, 3), date(2026, 3, 9)]
    services.record_income(
        book, actor=t, amount=100_000, category=Category.DONASI, description="a", occurred_on=days[0]
    )
    services.record_expense(
        book, actor=t, amount=30_000, category=Category.KEAMANAN, description="b", occurred_on=days[1]
    )
    services.record_income(
        book, actor=t, amount=15_000, category=Category.KEGIATAN, description="c", occurred_on=days[2]
    )
    services.record_expense(book, actor=t, amount=7_500, category=Category.SOSIAL, description="d", occurred_on=days[3])
    services.record_iuran_cash(book, w.sri, "2026-01", actor=t)
    services.pay_iuran_with_wallet(w.joko, "2026-01", client_key=key())
    months = [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), services.this_month()]
    reports = [selectors.monthly_report(book, m) for m in sorted(set(months))]
    assert reports[0].opening == 0
    for before, after in itertools.pairwise(reports):
        if services.add_months(before.month, 1) == after.month:
            assert before.closing == after.opening
    last = selectors.monthly_report(book, services.this_month())
    assert last.closing == selectors.balances(book).total
    assert last.closing_cash == selectors.balances(book).cash
    january = reports[0]
    # Who paid is per iuran month; the money itself is in the month it was received (today).
    assert january.iuran_paid_names == ["Joko Santoso", "Sri Rahayu"]
    assert january.households == 3 and january.iuran_unpaid_count == 1  # + the treasurer
    assert last.iuran_total == 20_000
    assert {c.category for c in january.income_by_category} == {Category.DONASI}
    assert [e.description for e in january.expenses] == ["b"]


def test_long_idempotency_keys_that_share_their_start_stay_apart(scheduled: World) -> None:
    """An API client may send a 200-character Idempotency-Key: two that share their first 80
    characters are two records (they used to be cut to 80 and replay each other); the same key
    again is a replay."""
    book, t = scheduled.rt1.book, scheduled.rt1.treasurer
    start = "api:1:" + "k" * 100
    first = services.record_income(
        book, actor=t, amount=1_000, category=Category.DONASI, description="x", client_key=start + "-satu"
    )
    second = services.record_income(
        book, actor=t, amount=1_000, category=Category.DONASI, description="x", client_key=start + "-dua"
    )
    again = services.record_income(
        book, actor=t, amount=1_000, category=Category.DONASI, description="x", client_key=start + "-satu"
    )
    assert first.pk != second.pk and again.pk == first.pk
    assert CashBookEntry.objects.count() == 2
    cash = services.record_iuran_cash(book, scheduled.sri, "2026-01", actor=t, client_key=start)
    assert cash.client_key.startswith("sha256:") and len(cash.client_key) == 71  # never the first 200
