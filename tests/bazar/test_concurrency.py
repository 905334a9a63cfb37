"""Real threads, real connections: racing redemptions of one voucher never spend more than it holds."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator

import pytest
from django.db import connection, transaction

from apps.bazar import services
from apps.bazar.models import Voucher
from apps.payments.models import JournalEntry
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World, make_world
from tests.community.conftest import COMMUNITY_TABLES
from tests.concurrency import race
from tests.conftest import TenantSet
from tests.marketplace.conftest import wipe_marketplace

PREFIX = "bzr-"
USERNAMES = [f"{PREFIX}{name}" for name in ("sri", "yati", "joko", "andi", "lurah")]


def _wipe(tenant: Tenant) -> None:
    connection.set_schema_to_public()
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in ["bazar_stall", "bazar_bazarevent", "bazar_voucher", *COMMUNITY_TABLES]:
            cursor.execute(f"DELETE FROM {table}")
    wipe_marketplace(tenant, USERNAMES)


@pytest.fixture
def committed_voucher(tenants: TenantSet, committed: None) -> Iterator[tuple[World, Voucher]]:
    _wipe(tenants.a)
    with tenants.a:
        world = make_world(tenants.a, prefix=PREFIX)
        voucher = services.pay_out_as_voucher(world.round1, actor=world.market.andi)
    connection.set_schema_to_public()
    try:
        yield world, voucher
    finally:
        _wipe(tenants.a)


def test_two_shops_racing_for_the_whole_voucher_get_it_once(
    committed_voucher: tuple[World, Voucher], tenants: TenantSet
) -> None:
    w, voucher = committed_voucher
    m = w.market

    def take(shop_owner: int, n: int) -> Callable[[], str]:
        shop, owner = (m.pecel, m.sri) if shop_owner == 0 else (m.oleh, m.yati)

        def run() -> str:
            done = services.redeem_voucher(voucher.code, shop, 100_000, actor=owner, idempotency_key=f"race-{n}")
            return "redeemed" if not done.replayed else "replayed"

        return run

    # Six different redemptions of the full value, and two retries of one of them.
    jobs = [take(n % 2, n) for n in range(6)] + [take(0, 0), take(0, 0)]
    outcomes, errors = race(tenants.a, jobs)
    assert not errors, errors
    assert outcomes["redeemed"] == 1
    assert outcomes["voucher_closed"] + outcomes["replayed"] == 7
    with tenants.a:
        voucher.refresh_from_db()
        assert (voucher.remaining, voucher.status) == (0, Voucher.Status.USED)
        assert voucher.account.__class__.objects.get(pk=voucher.account_id).balance == 0
        spent = JournalEntry.objects.filter(reference=f"voucher:{voucher.code}")
        assert spent.count() == 1 and spent.get().amount == 100_000
        assert unbalanced_entries() == [] and verify_balances() == []
    connection.set_schema_to_public()


def test_racing_partial_redemptions_add_up(committed_voucher: tuple[World, Voucher], tenants: TenantSet) -> None:
    w, voucher = committed_voucher
    m = w.market

    def take(n: int) -> Callable[[], str]:
        def run() -> str:
            services.redeem_voucher(voucher.code, m.pecel, 30_000, actor=m.sri, idempotency_key=f"part-{n}")
            return "redeemed"

        return run

    outcomes, errors = race(tenants.a, [take(n) for n in range(5)])
    assert not errors, errors
    assert outcomes == Counter({"redeemed": 3, "voucher_insufficient": 2})  # 3 × 30.000 ≤ 100.000 < 4 × 30.000
    with tenants.a:
        voucher.refresh_from_db()
        assert voucher.remaining == 10_000
        assert voucher.account.__class__.objects.get(pk=voucher.account_id).balance == 10_000
    connection.set_schema_to_public()


def test_checkouts_racing_for_the_last_of_a_voucher_spend_it_once(
    committed_voucher: tuple[World, Voucher], tenants: TenantSet
) -> None:
    """Four checkouts of Rp60.000 each with the same Rp100.000 voucher, at the same instant: the
    first takes Rp60.000, the second the last Rp40.000 (the rest billed), the others are refused
    (used up) and write nothing."""
    from apps.marketplace import services as market
    from apps.marketplace.models import Order

    w, voucher = committed_voucher
    m = w.market

    def checkout(n: int) -> Callable[[], str]:
        def run() -> str:
            market.place_orders(m.joko, [(m.nasi.pk, 5)], idempotency_key=f"race-checkout-{n}", voucher=voucher.code)
            return "placed"

        return run

    outcomes, errors = race(tenants.a, [checkout(n) for n in range(4)])
    assert not errors, errors
    assert outcomes == Counter({"placed": 2, "voucher_used_up": 2})
    with tenants.a:
        voucher.refresh_from_db()
        assert (voucher.remaining, voucher.status) == (0, Voucher.Status.USED)
        taken = sorted(Order.objects.filter(buyer=m.joko).values_list("voucher_amount", flat=True))
        assert taken == [40_000, 60_000]
        assert voucher.account.__class__.objects.get(pk=voucher.account_id).balance == 0
        assert unbalanced_entries() == [] and verify_balances() == []
    connection.set_schema_to_public()
