"""Real PostgreSQL, real threads with their own connections, committed data (cleaned up):
50 buyers race for 10 units; orders touching the same stock rows in opposite orders never
deadlock; one idempotency key raced by many threads makes one order."""

from __future__ import annotations

import random
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django.db.models import Sum

from apps.accounts.models import User
from apps.marketplace import services
from apps.marketplace.models import Allocation, Order, Placement, Stock
from tests.concurrency import race_each
from tests.conftest import TenantSet
from tests.marketplace.conftest import Market, make_market, product, wipe_marketplace

BUYERS = 50
UNITS = 10
PREFIX = "conc-"
USERNAMES = [f"{PREFIX}{name}" for name in ("sri", "yati", "joko", "andi")] + [
    f"{PREFIX}buyer-{i:02d}" for i in range(BUYERS)
]


@pytest.fixture
def race(tenants: TenantSet, committed: None) -> Iterator[tuple[Market, list[User]]]:
    wipe_marketplace(tenants.a, USERNAMES)
    with tenants.a:
        market = make_market(tenants.a, prefix=PREFIX)
        buyers = [User.objects.create(username=f"{PREFIX}buyer-{i:02d}") for i in range(BUYERS)]
    connection.set_schema_to_public()
    try:
        yield market, buyers
    finally:
        connection.set_schema_to_public()
        wipe_marketplace(tenants.a, USERNAMES)


def test_fifty_buyers_race_for_ten_units(tenants: TenantSet, race: tuple[Market, list[User]]) -> None:
    market, buyers = race
    with tenants.a:
        hot = product(market.pecel, market.sri, "Brem Madiun edisi terbatas", "BREM-HOT", 20_000, UNITS)

    def buy(buyer: User) -> str:
        services.place_orders(buyer, [(hot.pk, 1)], idempotency_key=f"race-{buyer.pk}")
        return "ok"

    started = time.monotonic()
    outcomes, errors = race_each(tenants.a, buyers, buy, timeout=300)
    elapsed = time.monotonic() - started
    assert errors == [], errors[:3]
    assert outcomes == Counter({"ok": UNITS, "insufficient_stock": BUYERS - UNITS}), outcomes
    with tenants.a:
        stock = Stock.objects.get(variant=hot)
        assert (stock.quantity, stock.quantity_allocated) == (UNITS, UNITS)
        assert Stock.objects.filter(quantity__lt=0).count() == 0
        assert Order.objects.filter(lines__variant=hot).count() == UNITS
        assert Allocation.objects.filter(stock=stock).aggregate(n=Sum("quantity"))["n"] == UNITS
        assert Placement.objects.filter(orders__isnull=True).count() == 0  # refused checkouts left nothing
    print(f"\n{BUYERS} buyers for {UNITS} units in {elapsed:.2f}s: {dict(outcomes)}")  # noqa: T201


def test_orders_locking_the_same_rows_in_opposite_orders_never_deadlock(
    tenants: TenantSet, race: tuple[Market, list[User]]
) -> None:
    market, buyers = race
    variants = [market.nasi, market.keripik, market.sambal, market.madumongso]
    with tenants.a:
        for variant in variants:
            services.set_stock(variant, 40, actor=variant.shop.owner)
    rng = random.Random(20261128)
    jobs = []
    for buyer in buyers:
        picked = rng.sample(variants, 3)
        jobs.append((buyer, picked if rng.random() < 0.5 else list(reversed(picked))))

    def buy(job: Any) -> str:
        buyer, picked = job
        services.place_orders(buyer, [(v.pk, 1) for v in picked], idempotency_key=f"multi-{buyer.pk}")
        return "ok"

    outcomes, errors = race_each(tenants.a, jobs, buy, timeout=300)
    assert errors == [], errors[:3]
    assert sum(outcomes.values()) == BUYERS
    with tenants.a:
        for variant in variants:
            stock = Stock.objects.get(variant=variant)
            assert 0 <= stock.quantity_allocated <= stock.quantity
            held = Allocation.objects.filter(stock=stock).aggregate(n=Sum("quantity"))["n"] or 0
            assert held == stock.quantity_allocated


def test_one_idempotency_key_raced_by_many_threads_makes_one_order(
    tenants: TenantSet, race: tuple[Market, list[User]]
) -> None:
    market, _buyers = race
    jobs = list(range(20))
    made: set[tuple[int, ...]] = set()

    def same_checkout(_job: Any) -> str:
        result = services.place_orders(market.joko, [(market.keripik.pk, 2)], idempotency_key="raced-checkout")
        made.add(tuple(o.pk for o in result.orders))
        return "replayed" if result.replayed else "made"

    outcomes, errors = race_each(tenants.a, jobs, same_checkout, timeout=300)
    assert errors == [], errors[:3]
    assert outcomes == Counter({"made": 1, "replayed": 19}), outcomes
    assert len(made) == 1
    with tenants.a:
        assert Order.objects.filter(buyer=market.joko).count() == 1
        assert Stock.objects.get(variant=market.keripik).quantity_allocated == 2
