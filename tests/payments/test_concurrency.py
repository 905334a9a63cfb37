"""Real PostgreSQL, real threads (each with its own connection): 1,000 random concurrent
transfers among 20 wallets keep the total, never overdraw and never deadlock."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.core.errors import Conflict
from apps.payments import services
from apps.payments.models import Account, AccountKind, EntryKind, JournalEntry
from apps.payments.reconciliation import reconcile, unbalanced_entries, verify_balances
from tests.conftest import TenantSet
from tests.payments.conftest import wipe_payments

WALLETS = 20
START = 50_000
TRANSFERS = 1_000
THREADS = 12
USERNAMES = [f"conc-{i:02d}" for i in range(WALLETS)]


@pytest.fixture
def wallets(tenants: TenantSet, committed: None) -> Iterator[list[Account]]:
    wipe_payments(tenants.a, USERNAMES)
    with tenants.a:
        made = []
        for name in USERNAMES:
            wallet = services.ensure_wallet(User.objects.create(username=name))
            services.top_up(wallet, START, reference="seed", idempotency_key=f"seed-{name}")
            made.append(wallet)
    try:
        yield made
    finally:
        connection.set_schema_to_public()
        wipe_payments(tenants.a, USERNAMES)


def _in_threads(tenant: Any, jobs: list[Any], work: Any) -> tuple[Counter[str], list[BaseException]]:
    outcomes: Counter[str] = Counter()
    errors: list[BaseException] = []
    lock = threading.Lock()
    queue = list(jobs)

    def worker() -> None:
        try:
            with tenant:
                while True:
                    with lock:
                        if not queue:
                            return
                        job = queue.pop()
                    try:
                        outcome = work(job)
                    except Conflict as exc:
                        outcome = exc.code
                    except BaseException as exc:  # deadlocks would land here
                        with lock:
                            errors.append(exc)
                        continue
                    with lock:
                        outcomes[outcome] += 1
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return outcomes, errors


def test_concurrent_random_transfers_keep_the_total_and_never_overdraw(
    tenants: TenantSet, wallets: list[Account]
) -> None:
    rng = random.Random(20260428)
    jobs = []
    for n in range(TRANSFERS):
        source, target = rng.sample(wallets, 2)
        # Big enough amounts that many transfers meet an empty wallet.
        jobs.append((n, source, target, rng.choice([1_000, 5_000, 12_500, 30_000, 49_999])))

    def transfer(job: Any) -> str:
        n, source, target, amount = job
        services.transfer(source, target, amount, idempotency_key=f"conc-{n}")
        return "ok"

    started = time.monotonic()
    outcomes, errors = _in_threads(tenants.a, jobs, transfer)
    elapsed = time.monotonic() - started
    assert errors == [], errors[:3]
    assert sum(outcomes.values()) == TRANSFERS
    assert set(outcomes) <= {"ok", "insufficient_funds"}
    assert outcomes["ok"] > 100 and outcomes["insufficient_funds"] > 0, outcomes

    with tenants.a:
        balances = list(Account.objects.filter(kind=AccountKind.WALLET, code__in=[w.code for w in wallets]))
        assert sum(a.balance for a in balances) == WALLETS * START
        assert min(a.balance for a in balances) >= 0
        assert JournalEntry.objects.filter(kind=EntryKind.TRANSFER).count() == outcomes["ok"]
        assert verify_balances() == []
        assert unbalanced_entries() == []
        run = reconcile(triggered_by="test", ask_gateway=False)
        assert run.status == "ok", list(run.mismatches.values_list("kind", "reference"))
    print(f"\n{TRANSFERS} transfers on {THREADS} threads in {elapsed:.1f}s: {dict(outcomes)}")  # noqa: T201


def test_one_idempotency_key_raced_by_many_threads_moves_money_once(tenants: TenantSet, wallets: list[Account]) -> None:
    source, target = wallets[0], wallets[1]
    jobs = list(range(THREADS * 3))
    entries: set[int] = set()

    def same_transfer(_job: Any) -> str:
        entry = services.transfer(source, target, 7_000, idempotency_key="raced-key")
        entries.add(entry.pk)
        return "ok"

    outcomes, errors = _in_threads(tenants.a, jobs, same_transfer)
    assert errors == [] and outcomes == Counter({"ok": len(jobs)})
    assert len(entries) == 1
    with tenants.a:
        target.refresh_from_db()
        assert target.balance == START + 7_000


def test_concurrent_refunds_never_exceed_the_payment(tenants: TenantSet, wallets: list[Account]) -> None:
    with tenants.a:
        shop_owner = User.objects.get(username=USERNAMES[2])
        shop = services.open_merchant_account(shop_owner, "Toko Uji")
        payment = services.pay(wallets[0], shop, 40_000, 120, "order:race", "race-pay")
    jobs = list(range(30))

    def refund(n: Any) -> str:
        services.refund(payment, 3_000, idempotency_key=f"race-refund-{n}")
        return "ok"

    outcomes, errors = _in_threads(tenants.a, jobs, refund)
    assert errors == []
    assert outcomes["ok"] == 13 and outcomes["over_refund"] == 17  # 13 x 3,000 <= 40,000 < 14 x 3,000
    with tenants.a:
        assert verify_balances() == []
        assert Account.objects.get(pk=shop.pk).balance >= 0
