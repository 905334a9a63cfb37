"""The marketplace sweep and the due-work index: an order's payment deadline and a cart's
reservation schedule the sweep; the sweep expires what is due and writes the next time."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from time_machine import TimeMachineFixture

from apps.marketplace import conf, services, tasks
from apps.marketplace.lifecycle import Status
from apps.tenancy.models import DueWork, Tenant
from tests.clock import JAKARTA, freeze
from tests.due_hints import write_hints
from tests.factories import OrderFactory, VariantFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 10, 0, tzinfo=JAKARTA)


def _due(tenant: Tenant) -> datetime | None:
    return DueWork.objects.get(tenant=tenant, kind=DueWork.Kind.MARKETPLACE).due_at


def test_the_sweep_runs_at_the_payment_deadline_and_writes_the_next_one(
    tenant_a: Tenant, time_machine: TimeMachineFixture, django_capture_on_commit_callbacks: Any
) -> None:
    DueWork.objects.all().delete()
    freeze(time_machine, T0)
    with tenant_a:
        variant = VariantFactory(stock=5)
        with django_capture_on_commit_callbacks() as callbacks:
            first = OrderFactory(variant=variant, quantity=1, payment_method="", status="placed")
        write_hints(callbacks)
        deadline = T0 + timedelta(minutes=conf.get("PAYMENT_MINUTES"))
        assert _due(tenant_a) == deadline  # placing the order scheduled its expiry
        freeze(time_machine, T0 + timedelta(minutes=5))
        with django_capture_on_commit_callbacks() as callbacks:
            second = OrderFactory(variant=variant, quantity=1, payment_method="", status="placed")
        write_hints(callbacks)
        assert _due(tenant_a) == deadline  # the earlier deadline stays

        # A sweep woken early (e.g. by the safety net) changes nothing and keeps the deadline.
        assert tasks.sweep()["expired"] == 0
        assert _due(tenant_a) == deadline

        freeze(time_machine, deadline)
        assert tasks.sweep()["expired"] == 1
        first.refresh_from_db()
        assert first.status == Status.EXPIRED
        assert _due(tenant_a) == second.expires_at  # the next deadline, read from the orders

        freeze(time_machine, second.expires_at)
        assert tasks.sweep()["expired"] == 1
        assert services.next_sweep_at() is None
        assert _due(tenant_a) is None  # nothing left: beat no longer wakes this tenant


def test_a_reservation_schedules_its_clean_up(
    tenant_a: Tenant, time_machine: TimeMachineFixture, django_capture_on_commit_callbacks: Any
) -> None:
    DueWork.objects.all().delete()
    freeze(time_machine, T0)
    with tenant_a:
        variant = VariantFactory(stock=5)
        buyer = OrderFactory(variant=variant, quantity=1).buyer
        DueWork.objects.all().delete()
        services.add_to_cart(buyer, variant.pk, 1)
        with django_capture_on_commit_callbacks() as callbacks:
            until = services.reserve_cart(buyer)
        assert write_hints(callbacks) == 1
        assert until == T0 + timedelta(minutes=conf.get("RESERVATION_MINUTES"))
        assert _due(tenant_a) == until
        assert services.next_sweep_at() == until
