"""Permit SLA deadlines on the real clock: an application submitted now (late evening in Madiun)
is due exactly its SLA days later and is overdue only after that moment."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.permits import services
from apps.permits.models import Permit
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze
from tests.factories import PermitFactory

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 23, 30, tzinfo=JAKARTA)  # late in the evening (still 16:30 UTC)


def test_due_and_overdue_follow_the_clock(tenant_a: Tenant, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, T0)
    with tenant_a:
        permit = PermitFactory()
        days = services.sla_days(Permit.Status.SUBMITTED)
        assert days > 0 and permit.submitted_at == T0
        assert permit.due_at == T0 + timedelta(days=days)
        freeze(time_machine, permit.due_at)
        assert not permit.is_overdue()
        freeze(time_machine, permit.due_at + timedelta(seconds=1))
        assert permit.is_overdue()
        assert list(Permit.objects.filter(due_at__lt=datetime.now(JAKARTA)).values_list("pk", flat=True)) == [permit.pk]
