"""Demo permits for bu-sri: one issued, others at different steps; seeding twice changes nothing."""

from __future__ import annotations

import pytest

from apps.demo import seed as core_demo
from apps.permits import demo
from apps.permits.models import Permit, PermitEvent
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db


def test_seed_is_idempotent_and_covers_the_workflow(tenant_a: Tenant, tenants: object) -> None:
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        demo.seed(tenant_a)
        statuses = dict(Permit.objects.values_list("business_name", "status"))
        assert statuses == {
            "Pecel Madiun Bu Sri": "issued",
            "Sambal Pecel Bu Sri": "verified",
            "Keripik Tempe Bu Sri": "submitted",
            "Jahit Bu Sri": "draft",
        }
        assert all(p.applicant.username == "bu-sri" for p in Permit.objects.all())
        issued = Permit.objects.get(status="issued")
        assert issued.number and issued.number.startswith("503/0001/35.77.03.1001/")
        assert Permit.objects.get(business_name="Keripik Tempe Bu Sri").is_overdue()  # 5 days at the RT
        counts = (Permit.objects.count(), PermitEvent.objects.count())
        demo.seed(tenant_a)
        assert (Permit.objects.count(), PermitEvent.objects.count()) == counts
    kota = tenants.kota  # type: ignore[attr-defined]
    with kota:
        demo.seed(kota)  # only kelurahan get demo permits
        assert not Permit.objects.exists()
