"""QRIS polling and the due-work index: opening a charge wakes the poll of this tenant; the poll
keeps itself scheduled while a charge waits and stops once none does."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.community import services, tasks
from apps.community.services._common import QRIS_POLL
from apps.payments.models import GatewayCharge
from apps.tenancy.models import DueWork, Tenant
from tests.community.conftest import World
from tests.due_hints import write_hints

pytestmark = pytest.mark.django_db


def _row(tenant: Tenant) -> DueWork:
    return DueWork.objects.get(tenant=tenant, kind=DueWork.Kind.COMMUNITY_QRIS)


def test_a_qris_charge_schedules_the_poll_until_it_ends(
    scheduled: World, tenant_a: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    DueWork.objects.all().delete()
    before = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks:
        payment = services.start_iuran_qris(scheduled.joko, "2026-04")
    assert write_hints(callbacks) >= 1
    row = _row(tenant_a)
    assert row.due_at is not None and before + QRIS_POLL <= row.due_at <= timezone.now() + QRIS_POLL

    # Still waiting at the poll: polled again one interval later.
    assert tasks.sync_qris() == 0
    row.refresh_from_db()
    assert row.due_at is not None and row.due_at > timezone.now() + QRIS_POLL - timedelta(seconds=5)
    assert row.claimed_at is None

    # The charge expired: the poll cancels the payment and nothing waits any more.
    GatewayCharge.objects.filter(pk=payment.charge_id).update(status="expire")
    assert tasks.sync_qris() == 1
    assert services.next_qris_poll() is None
    assert _row(tenant_a).due_at is None
