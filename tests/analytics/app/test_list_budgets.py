"""Query budgets of the dashboards' lists: the kota's comparison and choropleth (one row and one
polygon per kelurahan) and the lurah's GeoJSON of laporan warga; the same count at n and 10n
items, ≤ 12. The kota page is read uncached (its cache would hide a per-kelurahan query)."""

from __future__ import annotations

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.analytics import services
from apps.analytics.models import DailyFact
from apps.facts.metrics import Metric
from apps.tenancy.models import Region, Tenant
from tests.budgets import assert_list_budget
from tests.conftest import TenantSet

from .test_dashboard import signed_in

pytestmark = pytest.mark.django_db


def _uncached(kota: Tenant, client: Client, url: str):  # type: ignore[no-untyped-def]
    def fetch():  # type: ignore[no-untyped-def]
        with kota:
            cache.delete(services.version_key(kota.pk))
        return client.get(url)

    return fetch


def _kelurahan(tenants: TenantSet):  # type: ignore[no-untyped-def]
    """More kelurahan of Kota Madiun: tenant rows only (no schema), each with a day of facts."""
    free = list(
        Region.objects.filter(code__startswith="35.77.", level=Region.Level.DESA_KELURAHAN)
        .exclude(code__in=[tenants.a.region_id, tenants.b.region_id])
        .order_by("code")
    )

    def grow(count: int) -> None:
        previous = connection.tenant
        connection.set_schema_to_public()  # tenants are made in the public schema only
        for _ in range(count):
            region = free.pop(0)
            suffix = region.code.replace(".", "")
            kel = Tenant(
                schema_name=f"kel_{suffix}_budget",
                tenant_type=Tenant.Type.KELURAHAN,
                region=region,
                name=f"Kelurahan {region.name}",
                slug=f"kel-{suffix}-budget",
                parent=tenants.kota,
            )
            kel.auto_create_schema = False
            kel.save()
            DailyFact.objects.create(
                tenant=kel,
                region_code=region.code,
                day=timezone.localdate() - datetime.timedelta(days=1),
                metric=Metric.GMV,
                value=50_000,
                count=3,
                entity_keys=[1, 2, 3],
            )
        connection.set_tenant(previous)
        # Pay the schema switch's `SET search_path` here, not in the counted request.
        connection.cursor().close()

    return grow


# The kota dashboard (and its export) is one page of fixed-cost figures, not a list of queries
# per kelurahan: LIST_BUDGET's 12 plus satisfaction per service and the retention cohorts
# (apps.analytics.satisfaction, issue 21), one query each whatever the number of kelurahan,
# plus the kota's own levies (issue 20: its own facts, one query, `selectors.own_cells`).
KOTA_DASHBOARD_BUDGET = 15


@pytest.mark.parametrize("indicator", ["gmv", "reports_opened"])
def test_kota_dashboard_choropleth(tenants: TenantSet, indicator: str) -> None:
    client = signed_in(tenants.kota)
    url = f"/dasbor/?rentang=30h&indikator={indicator}"
    # Kota Madiun has 27 kelurahan, two of them tenants already: 2 then 20 more.
    assert_list_budget(_uncached(tenants.kota, client, url), _kelurahan(tenants), n=2, budget=KOTA_DASHBOARD_BUDGET)
    page = client.get(url)
    assert len(page.context["table_rows"]) == 22 and len(page.context["data"]["choropleth"]["features"]) == 22


def test_kota_export(tenants: TenantSet) -> None:
    client = signed_in(tenants.kota)
    url = "/dasbor/ekspor/csv/?rentang=30h"
    assert_list_budget(_uncached(tenants.kota, client, url), _kelurahan(tenants), n=2, budget=KOTA_DASHBOARD_BUDGET)


def test_report_points_geojson(tenants: TenantSet) -> None:
    from tests.reports.conftest import make_world

    with tenants.a:
        world = make_world(tenants.a)
    made = [0]

    def grow(count: int) -> None:
        with tenants.a:
            for _ in range(count):
                world.file([world.sampah, world.keamanan, world.jalan][made[0] % 3], north=made[0] * 7)
                made[0] += 1

    client = signed_in(tenants.a)
    assert_list_budget(lambda: client.get("/dasbor/laporan.geojson?rentang=7h"), grow)
    assert len(client.get("/dasbor/laporan.geojson?rentang=7h").json()["features"]) == 30
