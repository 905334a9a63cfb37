"""Insights fixtures: Mojorejo's market (tests.marketplace) with weeks of back-dated sales."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.insights import services
from apps.marketplace import lifecycle
from apps.marketplace import services as market_services
from apps.marketplace.models import Order, Variant
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, key, make_market


@dataclass
class Sales:
    market: Market
    origin: date


def sell(buyer: User, variant: Variant, quantity: int, day: date, status: str = lifecycle.Status.COMPLETED) -> Order:
    result = market_services.place_orders(buyer, [(variant.pk, quantity)], idempotency_key=key())
    order = result.orders[0]
    moment = timezone.make_aware(datetime.combine(day, time(10)))
    Order.objects.filter(pk=order.pk).update(status=status, created_at=moment)
    return order


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def sales(in_a: Tenant) -> Sales:
    """Bu Sri's nasi pecel (Makanan) sold every week for 16 weeks (10..25 a week, rising);
    her keripik (Camilan) only in the last two weeks (3 and 5); a cancelled order of 500
    keripik that must not count; Bu Yati sold nothing."""
    m = make_market(in_a)
    market_services.set_stock(m.nasi, 5_000, actor=m.sri)
    market_services.set_stock(m.keripik, 5_000, actor=m.sri)
    origin = services.current_week()
    for i in range(16):
        day = origin - timedelta(weeks=16 - i) + timedelta(days=2)
        sell(m.joko, m.nasi, 10 + i, day)
    sell(m.joko, m.keripik, 3, origin - timedelta(weeks=2))
    sell(m.andi, m.keripik, 5, origin - timedelta(weeks=1) + timedelta(days=4))
    sell(m.andi, m.keripik, 500, origin - timedelta(weeks=1), status=lifecycle.Status.CANCELLED)
    return Sales(m, origin)
