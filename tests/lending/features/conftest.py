"""Fixtures for the feature extraction tests: a marketplace in Kelurahan Mojorejo (tenant A)
whose orders are made through the marketplace services and then dated back, so every value
can be computed by hand. `AS_OF` is today (local): the services stamp "now"."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.utils import timezone

from apps.marketplace import services
from apps.marketplace.models import Order, Shop, Variant
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, key, make_market


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def market(in_a: Tenant) -> Market:
    return make_market(in_a)


@pytest.fixture
def as_of() -> dt.date:
    return timezone.localdate()


def at(as_of: dt.date, days_ago: int, hour: int = 12) -> dt.datetime:
    """Local `hour` o'clock, `days_ago` days before `as_of`."""
    day = as_of - dt.timedelta(days=days_ago)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=timezone.get_current_timezone())


def backdate(order: Order, when: dt.datetime, **more: dt.datetime) -> Order:
    Order.objects.filter(pk=order.pk).update(created_at=when, **more)
    order.refresh_from_db()
    return order


def placed(market: Market, variant: Variant, quantity: int = 1) -> Order:
    result = services.place_orders(market.joko, [(variant.pk, quantity)], idempotency_key=key())
    order: Order = result.orders[0]
    return order


def sold(market: Market, variant: Variant, quantity: int, when: dt.datetime) -> Order:
    """An order paid cash on delivery (status cod, a sold status), placed at `when`."""
    order = placed(market, variant, quantity)
    services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
    return backdate(order, when)


def owner_of(shop: Shop) -> object:
    return shop.owner


def walk(order: Order, market: Market, *actions: str) -> Order:
    for action in actions:
        actor = market.joko if action == "complete" else order.shop.owner
        order = services.transition(order, action, actor=actor)
    return order


def completed(market: Market, variant: Variant, when: dt.datetime) -> Order:
    order = sold(market, variant, 1, when)
    return walk(order, market, "accept", "pack", "ship", "deliver", "complete")


def refunded(market: Market, variant: Variant, when: dt.datetime) -> Order:
    order = sold(market, variant, 1, when)
    order = walk(order, market, "accept", "pack", "ship", "refund")
    return backdate(order, when)


def cancelled(market: Market, variant: Variant, when: dt.datetime, cancelled_at: dt.datetime) -> Order:
    order = sold(market, variant, 1, when)
    order = services.transition(order, "cancel", actor=market.joko)
    return backdate(order, when, cancelled_at=cancelled_at)
