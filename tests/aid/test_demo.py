"""The bansos demo seeds a kelurahan once; running it again changes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from apps.aid import demo, selectors
from apps.aid.models import Beneficiary, Distribution, Enrolment, ImportBatch, Program
from apps.demo import seed as core_demo
from apps.notifications.models import Message
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (
        Program.objects.count(),
        Beneficiary.objects.count(),
        Enrolment.objects.count(),
        Distribution.objects.count(),
        Distribution.objects.filter(status="tersalurkan").count(),
        Message.objects.filter(event="aid.distributed").count(),
        ImportBatch.objects.count(),
    )


def test_demo_is_idempotent(tenant_a: Tenant, tenants: Any) -> None:
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        demo.seed(tenant_a)
        first = _counts()
        demo.seed(tenant_a)
        assert _counts() == first
        programs = set(Program.objects.values_list("name", flat=True))
        assert {"PKH", "Sembako RT"} <= programs and any(name.startswith("BLT Dana Kelurahan") for name in programs)
        assert Beneficiary.objects.count() == 20
        assert set(Beneficiary.objects.values_list("rt__rw__number", flat=True)) == {1, 2, 3}
        assert Program.objects.get(name="PKH").excludes.filter(name__startswith="BLT").exists()
        assert Distribution.objects.filter(status="tersalurkan").exists()
        assert selectors.conflicts() == []
        staged = ImportBatch.objects.get()  # a checked list waiting for the confirm job
        assert staged.status == ImportBatch.Status.PREVIEW and staged.errors == [] and len(staged.rows) == 3
    with tenants.kota:
        demo.seed(tenants.kota)  # a kota tenant gets no bansos demo
        assert not Program.objects.exists()
