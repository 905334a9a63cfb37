"""Analytics fixtures: a small marketplace and laporan warga world in Kelurahan Mojorejo."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.utils import timezone

from apps.analytics.models import DailyFact
from apps.marketplace.models import Order, Shop
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, key, make_market
from tests.reports.conftest import World, make_world


@dataclass
class Town:
    tenant: Tenant
    market: Market
    world: World


@pytest.fixture
def town(tenant_a: Tenant, db: None) -> Iterator[Town]:
    """Tenant A with shops, products, people and report categories; the body runs in A's schema."""
    with tenant_a:
        town = Town(tenant=tenant_a, market=make_market(tenant_a), world=make_world(tenant_a))
        # The shops opened a month ago (they would otherwise be younger than yesterday's facts).
        Shop.objects.update(created_at=at(timezone.localdate() - datetime.timedelta(days=30)))
        yield town


def yesterday() -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=1)


def at(day: datetime.date, hour: int = 10) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=timezone.get_current_timezone())


def sell(market: Market, items: list[tuple[object, int]], paid_on: datetime.date) -> list[Order]:
    """Orders by Joko, marked paid on `paid_on` (the payment flow itself is tested in marketplace)."""
    from apps.marketplace import services

    orders = services.place_orders(
        market.joko,
        [(v.pk, n) for v, n in items],
        idempotency_key=key(),  # type: ignore[attr-defined]
    ).orders
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(status="paid", paid_at=at(paid_on))
    return orders


def facts(tenant: Tenant, day: datetime.date) -> dict[tuple[str, str], tuple[int, int, int]]:
    return {
        (f.metric, f.dimension): (f.value, f.count, len(f.entity_keys))
        for f in DailyFact.objects.filter(tenant=tenant, day=day)
    }


@pytest.fixture(autouse=True)
def _no_facts_from_elsewhere(db: None) -> None:
    """Start from an empty fact table (rolled back with the test): facts committed by other test
    modules (e.g. an incremental roll-up after a committed order) must not shift the figures."""
    DailyFact.objects.all().delete()
