"""The outbox and the due-work index: a pending message schedules the sweep, a retry moves it,
the sweep writes the next time from the outbox and clears it when nothing waits."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.notifications import services
from apps.notifications.models import ChannelConfig, ChannelPreference, Message
from apps.notifications.tasks import deliver_due
from apps.tenancy.models import DueWork, Tenant

pytestmark = pytest.mark.django_db


def _due(tenant: Tenant) -> datetime | None:
    return DueWork.objects.get(tenant=tenant, kind=DueWork.Kind.NOTIFICATIONS).due_at


def test_pending_messages_drive_the_outbox_sweep(tenant_a: Tenant) -> None:
    DueWork.objects.all().delete()
    with tenant_a:
        user = User.objects.get(username="warga-mojorejo")
        user.phone = "0812-3456-7890"
        user.save()
        ChannelPreference.objects.create(user=user, whatsapp=True)
        ChannelConfig.objects.create(channel="whatsapp", simulate_outage=True)
        before = timezone.now()
        services.notify([user], event="e", title="t", body="b", key="due-1")  # delivered after commit: not here
        due = _due(tenant_a)
        assert due is not None and before + services.SWEEP_GRACE <= due <= timezone.now() + services.SWEEP_GRACE

        # The sweep tries it, the provider is down: next look at the retry time plus the grace.
        Message.objects.filter(key="due-1").update(created_at=before - timedelta(minutes=5))
        assert deliver_due() == 1
        message = Message.objects.get(key="due-1", channel="whatsapp")
        assert message.status == "pending" and message.next_attempt_at is not None
        assert _due(tenant_a) == message.next_attempt_at + services.SWEEP_GRACE
        assert services.next_sweep_at() == message.next_attempt_at + services.SWEEP_GRACE

        # The provider recovers: once sent, nothing is pending and the tenant drops out of beat.
        ChannelConfig.objects.filter(channel="whatsapp").update(simulate_outage=False)
        Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
        assert deliver_due() == 1
        assert Message.objects.get(pk=message.pk).status == "sent"
        assert services.next_sweep_at() is None
        assert _due(tenant_a) is None
        assert DueWork.objects.get(tenant=tenant_a, kind=DueWork.Kind.NOTIFICATIONS).claimed_at is None
