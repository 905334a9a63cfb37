"""Daily reconciliation: ledger invariants and gateway settlements against the journal.

`reconcile()` runs in the current tenant's schema, records a `ReconciliationRun` with one
`ReconciliationMismatch` per fault found, and never changes the ledger. Checks:

* every journal entry has at least two postings summing to zero, and all postings sum to zero;
* every cached balance equals the sum of its postings (`verify_balances`), and each posting's
  `balance_after` follows from the one before (the running balance on statements);
* no account that may not go negative is negative;
* every settled gateway charge has exactly its settlement entry, with the same amount; every
  entry booked from the gateway belongs to a settled charge; refunds booked equal refunds seen;
  a charge flagged for attention (a gateway refund the wallet could no longer cover, a bill
  paid twice) is reported until someone settles it;
* with `ask_gateway`, the gateway's own status of recent charges equals ours.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .gateways import GatewayError, get_gateway
from .models import (
    Account,
    ChargeStatus,
    EntryKind,
    GatewayCharge,
    JournalEntry,
    ReconciliationMismatch,
    ReconciliationRun,
)

logger = logging.getLogger(__name__)
Kind = ReconciliationMismatch.Kind

SETTLED = (
    ChargeStatus.SETTLEMENT,
    ChargeStatus.CAPTURE,
    *[s for s in ChargeStatus.values if "refund" in s or "chargeback" in s],
)


@dataclass(frozen=True)
class BalanceDrift:
    account_id: int
    code: str
    cached: int
    derived: int


def verify_balances() -> list[BalanceDrift]:
    """Accounts whose cached balance differs from the sum of their postings (empty = all equal)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, a.code, a.balance, COALESCE(SUM(p.amount), 0)
              FROM payments_account a LEFT JOIN payments_posting p ON p.account_id = a.id
             GROUP BY a.id, a.code, a.balance
            HAVING a.balance <> COALESCE(SUM(p.amount), 0)
             ORDER BY a.id
            """
        )
        return [BalanceDrift(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in cursor.fetchall()]


def unbalanced_entries() -> list[tuple[int, int, int]]:
    """(entry id, postings, sum) of every entry that is not a balanced pair or more."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT e.id, COUNT(p.id), COALESCE(SUM(p.amount), 0)
              FROM payments_journalentry e LEFT JOIN payments_posting p ON p.entry_id = e.id
             GROUP BY e.id
            HAVING COUNT(p.id) < 2 OR COALESCE(SUM(p.amount), 0) <> 0
             ORDER BY e.id
            """
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in cursor.fetchall()]


def ledger_total() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM payments_posting")
        return int(cursor.fetchone()[0])


def running_balance_breaks() -> list[tuple[int, int, int]]:
    """(posting id, balance_after, expected) where the running balance does not follow."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT id, balance_after, expected FROM (
                SELECT id, balance_after, SUM(amount) OVER (PARTITION BY account_id ORDER BY id) AS expected
                  FROM payments_posting
            ) t WHERE balance_after <> expected ORDER BY id
            """
        )
        return [(int(r[0]), int(r[1]), int(r[2])) for r in cursor.fetchall()]


class _Recorder:
    def __init__(self, run: ReconciliationRun) -> None:
        self.run = run
        self.count = 0

    def add(self, kind: str, reference: str, expected: object = "", actual: object = "", detail: str = "") -> None:
        ReconciliationMismatch.objects.create(
            run=self.run,
            kind=kind,
            reference=str(reference)[:100],
            expected=str(expected)[:100],
            actual=str(actual)[:100],
            detail=detail,
        )
        self.count += 1


def reconcile(*, triggered_by: str = "", ask_gateway: bool = True, days: int = 3) -> ReconciliationRun:
    run = ReconciliationRun.objects.create(triggered_by=triggered_by[:32])
    found = _Recorder(run)
    try:
        with transaction.atomic():
            _check_ledger(run, found)
            _check_charges(run, found, ask_gateway=ask_gateway, since=timezone.now() - timedelta(days=days))
    except Exception as exc:  # record the failure, then let the task/command fail loudly too
        run.status = ReconciliationRun.Status.FAILED
        run.error = repr(exc)[: ReconciliationRun.ERROR_MAX]
        run.finished_at = timezone.now()
        run.save()
        logger.exception("reconciliation run %s failed", run.pk)
        raise
    run.mismatch_count = found.count
    run.status = ReconciliationRun.Status.MISMATCH if found.count else ReconciliationRun.Status.OK
    run.finished_at = timezone.now()
    run.save()
    if found.count:
        logger.error("reconciliation run %s: %d mismatch(es)", run.pk, found.count)
    return run


def _check_ledger(run: ReconciliationRun, found: _Recorder) -> None:
    run.entries_checked = JournalEntry.objects.count()
    run.accounts_checked = Account.objects.count()
    for entry_id, lines, total in unbalanced_entries():
        found.add(Kind.ENTRY_UNBALANCED, f"entry:{entry_id}", "0 (>= 2 postings)", f"{total} ({lines} postings)")
    total = ledger_total()
    if total != 0:
        found.add(Kind.LEDGER_TOTAL, "ledger", 0, total)
    for drift in verify_balances():
        found.add(Kind.BALANCE_DRIFT, drift.code, drift.derived, drift.cached, "expected = sum of postings")
    for posting_id, after, expected in running_balance_breaks()[:100]:
        found.add(Kind.RUNNING_BALANCE, f"posting:{posting_id}", expected, after)
    for account in Account.objects.filter(allow_negative=False, balance__lt=0):
        found.add(Kind.NEGATIVE_BALANCE, account.code, ">= 0", account.balance)


def _check_charges(run: ReconciliationRun, found: _Recorder, *, ask_gateway: bool, since: datetime) -> None:
    charges = list(GatewayCharge.objects.select_related("settlement_entry").order_by("id"))
    run.charges_checked = len(charges)
    booked_ids = set()
    for charge in charges:
        entry = charge.settlement_entry
        settled = charge.status in SETTLED
        if entry is not None:
            booked_ids.add(entry.pk)
        if settled and entry is None:
            found.add(Kind.CHARGE_WITHOUT_ENTRY, charge.order_id, "settlement entry", "none", charge.status)
        if entry is not None and not settled:
            found.add(Kind.ENTRY_WITHOUT_CHARGE, charge.order_id, "settled charge", charge.status)
        if entry is not None and entry.amount != charge.gross_amount:
            found.add(Kind.AMOUNT_MISMATCH, charge.order_id, charge.gross_amount, entry.amount)
        if charge.needs_attention:
            found.add(Kind.NEEDS_ATTENTION, charge.order_id, "", charge.status, charge.needs_attention)
        if entry is not None:
            reversed_total = sum(entry.reversals.values_list("amount", flat=True))
            if reversed_total < charge.refunded_amount:
                found.add(Kind.REFUND_MISMATCH, charge.order_id, charge.refunded_amount, reversed_total)
    gateway_entries = JournalEntry.objects.filter(
        Q(reference__startswith="charge:"), kind__in=[EntryKind.TOP_UP, EntryKind.PAYMENT]
    ).exclude(pk__in=booked_ids)
    for entry in gateway_entries:
        found.add(Kind.ENTRY_WITHOUT_CHARGE, entry.reference, "settled charge", "none", f"entry {entry.public_id}")
    if not ask_gateway:
        return
    for charge in charges:
        if charge.created_at < since and charge.status not in (ChargeStatus.CREATED, ChargeStatus.PENDING):
            continue
        try:
            answer = get_gateway(charge.gateway).check_status(charge.order_id)
        except GatewayError as exc:
            found.add(Kind.GATEWAY_UNREACHABLE, charge.order_id, detail=str(exc.message))
            continue
        if answer.transaction_status != charge.status:
            found.add(Kind.GATEWAY_STATUS, charge.order_id, answer.transaction_status, charge.status)
        if answer.gross_amount and answer.gross_amount != charge.gross_amount:
            found.add(Kind.AMOUNT_MISMATCH, charge.order_id, answer.gross_amount, charge.gross_amount, "gateway")
