"""Real threads, real connections: racing payments of the same iuran month and racing payouts
of the same arisan round move money exactly once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from django.db import connection

from apps.community import selectors, services
from apps.community.models import ArisanGroup, ArisanRound, IuranPayment
from apps.payments import services as pay
from apps.payments.models import JournalEntry
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from tests.community.conftest import World, make_world, wipe_community
from tests.concurrency import race
from tests.conftest import TenantSet

RW = 29
PREFIX = "conc-"
USERNAMES = [
    f"{PREFIX}{name}"
    for name in ("ketua-rt1", "bendahara-rt1", "ketua-rt2", "bendahara-rt2", "sri", "joko", "andi", "tamu", "staf")
]


@pytest.fixture
def committed_world(tenants: TenantSet, committed: None) -> Iterator[World]:
    wipe_community(tenants.a, USERNAMES, RW)
    with tenants.a:
        world = make_world(prefix=PREFIX, rw_number=RW)
        services.set_schedule(world.rt1.book, actor=world.rt1.treasurer, amount=10_000, start_month="2026-01")
    connection.set_schema_to_public()
    try:
        yield world
    finally:
        wipe_community(tenants.a, USERNAMES, RW)


def test_racing_payments_of_one_month_pay_it_once(committed_world: World, tenants: TenantSet) -> None:
    w = committed_world
    with tenants.a:
        pay.top_up(pay.ensure_wallet(w.joko), 100_000, reference="test", idempotency_key="conc-fund-joko")
    connection.set_schema_to_public()

    def by_wallet(n: int) -> Callable[[], str]:
        return lambda: services.pay_iuran_with_wallet(w.joko, "2026-03", client_key=f"tap-{n}").status

    def in_cash() -> str:
        return services.record_iuran_cash(w.rt1.book, w.joko, "2026-03", actor=w.rt1.treasurer).status

    outcomes, errors = race(tenants.a, [by_wallet(n) for n in range(6)] + [in_cash, in_cash])
    assert not errors, errors
    assert outcomes == Counter({"paid": 1, "already_paid": 7})
    with tenants.a:
        assert IuranPayment.objects.filter(member=w.joko, month="2026-03-01", status="paid").count() == 1
        money = selectors.balances(w.rt1.book)
        assert money.total == 10_000
        wallet = pay.ensure_wallet(w.joko)
        assert wallet.balance in (90_000, 100_000)  # by wallet, or the cash won
        assert unbalanced_entries() == [] and verify_balances() == []
    connection.set_schema_to_public()


def test_racing_payouts_of_one_round_pay_the_winner_once(committed_world: World, tenants: TenantSet) -> None:
    w = committed_world
    with tenants.a:
        group = services.create_group(
            organiser=w.sri,
            name="Arisan Balapan",
            contribution=40_000,
            period="monthly",
            draw_method="random",
            start_date="2026-01-01",
        )
        services.add_member(group, w.joko, actor=w.sri)
        services.add_member(group, w.andi, actor=w.sri)
        services.commit_draw(group, actor=w.sri)
        services.reveal_draw(group, actor=w.sri)
        round1 = group.rounds.get(number=1)
        for member in group.members.select_related("user"):
            pay.top_up(
                pay.ensure_wallet(member.user), 40_000, reference="test", idempotency_key=f"conc-{member.user.pk}"
            )
            services.contribute_with_wallet(round1, member, payer=member.user)
    connection.set_schema_to_public()

    def payout() -> str:
        return str(services.pay_out(ArisanRound.objects.get(pk=round1.pk), actor=w.sri).status)

    outcomes, errors = race(tenants.a, [payout] * 6)
    assert not errors, errors
    assert outcomes == Counter({"paid_out": 6})  # the late ones see it paid and return it
    with tenants.a:
        assert JournalEntry.objects.filter(idempotency_key=f"community:arisan:{round1.pk}:payout").count() == 1
        assert ArisanGroup.objects.get(pk=group.pk).pool_account.balance == 0
        winner = ArisanRound.objects.get(pk=round1.pk).winner.user
        assert pay.ensure_wallet(winner).balance == 120_000
    connection.set_schema_to_public()
