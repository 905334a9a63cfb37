"""The dispatcher and the due-work index: a new delivery schedules its hub's next cut-off; after
a dispatch the index holds the stale time of the queued routing job, and nothing once it ran."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.fulfillment import conf, services, tasks
from apps.fulfillment.models import RoutingJob
from apps.tenancy.models import DueWork
from tests.due_hints import write_hints

from .conftest import World, new_delivery

pytestmark = pytest.mark.django_db


def _row(world: World) -> DueWork:
    return DueWork.objects.get(tenant=world.tenant, kind=DueWork.Kind.FULFILLMENT)


def test_deliveries_and_routing_jobs_drive_the_dispatcher(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    DueWork.objects.all().delete()
    before = timezone.now()
    with django_capture_on_commit_callbacks() as callbacks:
        new_delivery(world)
    assert write_hints(callbacks) >= 1
    cutoff = services.next_cutoff(world.hub, before)
    assert _row(world).due_at == cutoff  # the hub's next cut-off batches it
    assert services.next_due() == services.next_cutoff(world.hub, timezone.now())

    later = timezone.now() + timedelta(days=1)  # that cut-off has passed
    with django_capture_on_commit_callbacks(execute=False):
        jobs = services.dispatch_due(now=later)
    assert len(jobs) == 1
    job = RoutingJob.objects.get(pk=jobs[0])
    stale = timedelta(minutes=conf.get("STALE_JOB_MINUTES"))
    assert services.next_due() == job.created_at + stale  # nothing pending; the job may go stale

    RoutingJob.objects.filter(pk=job.pk).update(status=RoutingJob.Status.SUCCEEDED)
    assert services.next_due() is None

    # The sweep task writes what the tables say and releases its claim.
    DueWork.objects.filter(tenant=world.tenant).update(due_at=timezone.now(), claimed_at=timezone.now())
    with django_capture_on_commit_callbacks(execute=False):
        tasks.dispatch_due()
    row = _row(world)
    assert row.due_at is None and row.claimed_at is None
