"""The nightly job: penalties, standing-instruction auto-debits, arrears buckets. The wallet never
goes negative; too little money records arrears and retries the next night; the same night run
twice changes nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from apps.lending import services
from apps.lending.models import Instalment, Loan, LoanEvent, LoanStatus, LoanTransaction
from apps.lending.tasks import nightly
from apps.payments import services as pay
from apps.payments.models import JournalEntry

from .conftest import World, balance, disbursed, fund, key, ledger_sum

pytestmark = pytest.mark.django_db


def state() -> tuple[object, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(ABS(balance)), 0) FROM payments_account")
        balances = cursor.fetchone()[0]
    loans = list(Loan.objects.values_list("principal_outstanding", "days_past_due", "bucket", "status"))
    paid = list(Instalment.objects.values_list("paid_principal", "paid_interest", "paid_penalty", "penalty"))
    return (
        balances,
        loans,
        paid,
        LoanTransaction.objects.count(),
        LoanEvent.objects.count(),
        JournalEntry.objects.count(),
    )


def drain(world: World, loan: Loan, leave: int) -> None:
    """Spend the wallet down to `leave` rupiah (to a third wallet)."""
    wallet = loan.wallet
    spend = balance(wallet) - leave
    if spend > 0:
        pay.transfer(wallet, pay.ensure_wallet(world.joko), spend, idempotency_key=key())


def test_auto_debit_with_enough_money_pays_the_instalment(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    first = loan.instalments.get(number=1)
    result = services.run_nightly(first.due_date)
    assert result["debited"] == 1
    first.refresh_from_db()
    assert first.unpaid == 0 and first.paid_on == first.due_date
    loan.refresh_from_db()
    assert loan.days_past_due == 0 and loan.bucket == "0"
    assert ledger_sum() == 0


def test_too_little_money_takes_what_is_there_never_negative_and_retries(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    drain(world, loan, 100_000)
    first = loan.instalments.get(number=1)
    day = first.due_date + dt.timedelta(days=1)
    services.run_nightly(day)
    assert balance(loan.wallet) == 0
    first.refresh_from_db()
    assert first.paid == 100_000
    loan.refresh_from_db()
    assert loan.days_past_due == 1 and loan.bucket == "1-30"
    # Nothing left: the next night debits nothing, records it, arrears grow.
    services.run_nightly(day + dt.timedelta(days=1))
    failed = LoanTransaction.objects.get(loan=loan, on_date=day + dt.timedelta(days=1))
    assert failed.amount == 0
    assert LoanEvent.objects.filter(loan=loan, kind="auto_debit_failed").count() == 1
    assert balance(loan.wallet) == 0
    # Money arrives: the following night collects the rest (with the penalty charged after 3 days).
    fund(world.sri, 2_000_000)
    later = day + dt.timedelta(days=5)
    services.run_nightly(later)
    first.refresh_from_db()
    assert first.penalty > 0 and first.unpaid == 0
    loan.refresh_from_db()
    assert loan.days_past_due == 0 and loan.bucket == "0"
    assert ledger_sum() == 0


def test_no_partial_debit_when_the_product_forbids_it(world: World) -> None:
    world.product.allow_partial_debit = False
    world.product.save()
    loan = disbursed(world)
    drain(world, loan, 50_000)
    first = loan.instalments.get(number=1)
    services.run_nightly(first.due_date)
    assert balance(loan.wallet) == 50_000
    first.refresh_from_db()
    assert first.paid == 0


def test_the_nightly_job_twice_changes_nothing_the_second_time(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    drain(world, loan, 150_000)
    day = loan.instalments.get(number=1).due_date + dt.timedelta(days=5)
    nightly.apply(kwargs={"as_of": day.isoformat()})
    after_first = state()
    nightly.apply(kwargs={"as_of": day.isoformat()})
    assert state() == after_first


def test_buckets_follow_days_past_due(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    drain(world, loan, 0)
    first_due = loan.instalments.get(number=1).due_date
    seen = []
    for days in (1, 31, 61, 91):
        services.run_nightly(first_due + dt.timedelta(days=days))
        loan.refresh_from_db()
        seen.append((loan.days_past_due, loan.bucket))
    assert seen == [(1, "1-30"), (31, "31-60"), (61, "61-90"), (91, "90+")]
    assert loan.max_days_past_due == 91 and loan.status == LoanStatus.ACTIVE
    changes = LoanEvent.objects.filter(loan=loan, kind="bucket_changed").count()
    assert changes == 4


def test_standing_instruction_off_means_no_debit(world: World) -> None:
    loan = disbursed(world)
    services.set_standing_instruction(loan, world.sri, active=False)
    first = loan.instalments.get(number=1)
    services.run_nightly(first.due_date)
    first.refresh_from_db()
    assert first.paid == 0


def test_beat_entry_points_fan_out_to_every_tenant(world: World, tenant_a: object) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3)
    connection.set_schema_to_public()
    from apps.lending.tasks import nightly_everywhere, retrain_everywhere

    assert nightly_everywhere() >= 3  # kota Madiun, Mojorejo, Pandean (eager in tests)
    assert retrain_everywhere() >= 3
    with tenant_a:  # type: ignore[attr-defined]
        loan.refresh_from_db()
        assert LoanEvent.objects.filter(lender=world.lender, kind="retrain_scorecard").count() == 1
        assert loan.status == LoanStatus.ACTIVE
