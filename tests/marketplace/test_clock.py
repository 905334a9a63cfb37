"""An unpaid order expires on the real clock (the beat job passes no `now`): kept until its
payment deadline, expired from that moment, its stock released."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.marketplace import conf, services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Stock
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze
from tests.factories import OrderFactory, VariantFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 23, 45, tzinfo=JAKARTA)  # the deadline falls on the next day


def test_an_unpaid_order_expires_at_its_deadline(tenant_a: Tenant, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, T0)
    with tenant_a:
        variant = VariantFactory(stock=5)
        order = OrderFactory(variant=variant, quantity=2, payment_method="", status="placed")
        deadline = T0 + timedelta(minutes=conf.get("PAYMENT_MINUTES"))
        assert order.status == Status.AWAITING_PAYMENT and order.expires_at == deadline
        assert Stock.objects.get(variant=variant).quantity_allocated == 2
        freeze(time_machine, deadline - timedelta(seconds=1))
        assert services.expire_due_orders() == 0
        freeze(time_machine, deadline)
        assert services.expire_due_orders() == 1
        order.refresh_from_db()
        assert order.status == Status.EXPIRED
        assert Stock.objects.get(variant=variant).quantity_allocated == 0
