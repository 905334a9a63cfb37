"""The GoTukang demo: four tukang, pak-joko's three rated (and paid) jobs and one open request;
running it again changes nothing."""

from __future__ import annotations

import pytest

from apps.demo import seed as core_demo
from apps.tenancy.models import Tenant
from apps.tukang import demo
from apps.tukang.models import Job, Tukang

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(tenant_a: Tenant) -> None:
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        assert Tukang.objects.count() == 4
        rated = Job.objects.filter(requester__username="pak-joko", rating__isnull=False)
        assert rated.count() == 3 and all(job.paid_method == Job.Payment.CASH for job in rated)
        assert Job.objects.filter(status=Job.Status.OPEN).count() == 1
        disputed = Job.objects.get(dispute=Job.Dispute.OPEN)
        assert disputed.status == Job.Status.BOOKED and disputed.disputed_at is not None
        assert Tukang.objects.get(name="Mas Wawan").rating == 5.0
