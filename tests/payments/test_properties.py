"""Property: any sequence of top-ups, payments, transfers, refunds and payouts (valid or not)
keeps every balance derived from postings, the sum of all balances at zero and no wallet
negative; a refused move changes nothing; replays change nothing."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import Conflict, ValidationFailed
from apps.payments import services
from apps.payments.models import Account, JournalEntry
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from apps.tenancy.models import Tenant
from tests.payments.conftest import check_deferred_now, make_people

pytestmark = pytest.mark.django_db

amounts = st.one_of(st.integers(min_value=1, max_value=150_000), st.sampled_from([0, -1, -20_000]))
who = st.integers(min_value=0, max_value=2)
operations = st.one_of(
    st.tuples(st.just("top_up"), who, amounts),
    st.tuples(st.just("pay"), who, st.integers(0, 1), amounts, st.integers(0, 500)),
    st.tuples(st.just("transfer"), who, who, amounts),
    st.tuples(st.just("refund"), st.integers(0, 20), amounts),
    st.tuples(st.just("payout"), st.integers(0, 1), amounts),
    st.tuples(st.just("replay"), st.integers(0, 40)),
)


class Rollback(Exception):
    pass


def _snapshot() -> tuple[dict[int, int], int]:
    return dict(Account.objects.values_list("pk", "balance")), JournalEntry.objects.count()


def _run(ops: list[tuple[Any, ...]]) -> None:
    people = make_people(prefix=f"p{uuid.uuid4().hex[:6]}-")
    wallets = [people.joko_wallet, people.andi_wallet, services.ensure_wallet(people.sri)]
    shops = [people.shop, services.open_merchant_account(people.andi, "Bengkel Andi")]
    payments: list[Any] = []
    done: list[tuple[Any, ...]] = []  # (callable, args) of successful calls, for replays
    expected_wallets = {w.pk: 0 for w in wallets}

    for op in ops:
        before = _snapshot()
        k = f"prop-{uuid.uuid4().hex}"
        try:
            if op[0] == "top_up":
                call: Any = (services.top_up, (wallets[op[1]], op[2]), {"reference": "t", "idempotency_key": k})
            elif op[0] == "pay":
                amount = op[3]
                fee = amount * op[4] // 10_000 if isinstance(amount, int) and amount > 0 else 0
                call = (services.pay, (wallets[op[1]], shops[op[2]], amount, fee, "order", k), {})
            elif op[0] == "transfer":
                call = (services.transfer, (wallets[op[1]], wallets[op[2]], op[3]), {"idempotency_key": k})
            elif op[0] == "refund":
                if not payments:
                    continue
                call = (services.refund, (payments[op[1] % len(payments)], op[2]), {"idempotency_key": k})
            elif op[0] == "payout":
                call = (services.payout, (shops[op[1]], op[2]), {"idempotency_key": k})
            else:
                if not done:
                    continue
                call = done[op[1] % len(done)]
            function, args, kwargs = call
            entry = function(*args, **kwargs)
        except (Conflict, ValidationFailed):
            assert _snapshot() == before, f"a refused {op[0]} changed something"
            continue
        if op[0] == "replay":
            assert _snapshot() == before, "a replay moved money again"
            continue
        done.append(call)
        if op[0] == "pay":
            payments.append(entry)
        for posting in entry.postings.all():
            if posting.account_id in expected_wallets:
                expected_wallets[posting.account_id] += posting.amount
        check_deferred_now()  # the database's own balanced-entry checks pass
        balances = dict(Account.objects.values_list("pk", "balance"))
        assert sum(balances.values()) == 0
        assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
        assert verify_balances() == []
    assert unbalanced_entries() == []
    for wallet in wallets:
        wallet.refresh_from_db()
        assert wallet.balance == expected_wallets[wallet.pk] >= 0


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    derandomize=False,
)
@given(ops=st.lists(operations, min_size=1, max_size=30))
def test_any_sequence_of_moves_keeps_the_ledger_whole(tenant_a: Tenant, ops: list[tuple[Any, ...]]) -> None:
    with tenant_a:
        try:
            with transaction.atomic():
                _run(ops)
                raise Rollback
        except Rollback:
            pass
