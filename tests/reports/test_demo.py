"""The demo seed: categories with units and SLAs, reports near the kelurahan, idempotent."""

from __future__ import annotations

import pytest

from apps.core import geo
from apps.reports import demo, services
from apps.reports.models import ApiKey, Category, Opd, Report, ReportUpdate
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Opd, Category, ApiKey, Report, ReportUpdate))


def test_seed_is_idempotent_and_realistic(tenant_a: Tenant) -> None:
    with tenant_a:
        demo.seed(tenant_a)
        first = _counts()
        demo.seed(tenant_a)
        assert _counts() == first
        assert set(Category.objects.values_list("name", flat=True)) == {
            "Jalan rusak",
            "Sampah",
            "Lampu jalan mati",
            "Saluran air tersumbat",
            "Keamanan",
            "Lainnya",
        }
        assert {c.unit for c in Category.objects.all()} == {"opd", "rw", "rt", "kelurahan"}
        assert Opd.objects.filter(name__startswith="Dinas Pekerjaan Umum").exists()
        assert Opd.objects.count() >= 5
        reports = list(Report.objects.all())
        assert len(reports) == len(demo.DEMO_REPORTS) + 1  # and a guest's, by landmark only
        guest = next(r for r in reports if r.reporter_id is None)
        assert guest.lat is None and guest.address and guest.rt is not None and guest.contact_email
        assert {r.status for r in reports} >= {"open", "verified", "in_progress", "resolved", "closed"}
        assert "not_responsible" in {r.status for r in reports}
        assert tenant_a.lat is not None and tenant_a.lng is not None
        for report in (r for r in reports if r.has_point):
            distance = geo.haversine_m(
                float(report.lat or 0), float(report.lng or 0), float(tenant_a.lat), float(tenant_a.lng)
            )
            assert distance <= 500
        assert services.authenticate_api_key(f"demo-open311-{tenant_a.slug}") is not None


def test_seed_does_nothing_in_a_kota(tenants: TenantSet) -> None:
    with tenants.kota:
        demo.seed(tenants.kota)
        assert not Category.objects.exists() and not Report.objects.exists()
