"""The outbox and the due-work index: a pending message schedules the sweep, a retry moves it,
the sweep writes the next time from the outbox and clears it when nothing waits."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.jobs.due_work import repair_due_work
from apps.notifications import services
from apps.notifications.models import ChannelConfig, ChannelPreference, Message
from apps.notifications.tasks import deliver_due
from apps.tenancy.models import DueWork, Tenant
from tests.due_hints import drop_hints, write_hints

pytestmark = pytest.mark.django_db


def _due(tenant: Tenant) -> datetime | None:
    return DueWork.objects.get(tenant=tenant, kind=DueWork.Kind.NOTIFICATIONS).due_at


@pytest.fixture
def warga(tenant_a: Tenant) -> User:
    DueWork.objects.all().delete()
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
        user.phone = "0812-3456-7890"
        user.save()
        ChannelPreference.objects.create(user=user, whatsapp=True)
        ChannelConfig.objects.create(service="whatsapp", simulate_failure=True)
    return user


def test_pending_messages_drive_the_outbox_sweep(
    tenant_a: Tenant, warga: User, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        before = timezone.now()
        with django_capture_on_commit_callbacks() as callbacks:  # its own task is lost: not run
            services.notify([warga], event="e", title="t", body="b", key="due-1")
        assert write_hints(callbacks) == 1
        due = _due(tenant_a)
        assert due is not None and before + services.SWEEP_GRACE <= due <= timezone.now() + services.SWEEP_GRACE

        # The sweep sends them; WhatsApp is down: next look at its retry time plus the grace.
        assert deliver_due() == Message.objects.filter(key="due-1").exclude(channel="in_app").count()
        message = Message.objects.get(key="due-1", channel="whatsapp")
        assert message.status == "pending" and message.attempts == 1 and message.next_attempt_at is not None
        assert _due(tenant_a) == message.next_attempt_at + services.SWEEP_GRACE
        assert services.next_sweep_at() == message.next_attempt_at + services.SWEEP_GRACE

        # The provider recovers: once sent, nothing is pending and the tenant drops out of beat.
        ChannelConfig.objects.filter(service="whatsapp").update(simulate_failure=False)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert deliver_due() == 1
        assert Message.objects.get(pk=message.pk).status == "sent"
        assert services.next_sweep_at() is None
        row = DueWork.objects.get(tenant=tenant_a, kind=DueWork.Kind.NOTIFICATIONS)
        assert row.due_at is None and row.claimed_at is None


def test_a_lost_hint_is_found_by_the_repair(
    tenant_a: Tenant, warga: User, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        with django_capture_on_commit_callbacks() as callbacks:  # killed before the hint: not written
            services.notify([warga], event="e", title="t", body="b", key="lost-1")
        drop_hints(callbacks)
        assert callbacks and not DueWork.objects.exists()
        with django_capture_on_commit_callbacks() as repaired:
            found = repair_due_work()
        write_hints(repaired)  # the repair task runs outside a transaction: written at once
        assert set(found) == {"notifications"}
        assert _due(tenant_a) == services.next_sweep_at()
        assert write_hints(callbacks) == 1  # a hint arriving late only ever moves the time earlier
        repaired_at, late = _due(tenant_a), services.next_sweep_at()
        assert repaired_at is not None and late is not None and late - timedelta(seconds=5) <= repaired_at <= late
