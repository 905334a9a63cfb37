"""The lurah and kota dashboards: access, figures from the facts, filters, exports, isolation."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.analytics import dashboards, services
from apps.analytics.models import DailyFact
from apps.analytics.selectors import Period
from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, TenantSet, client_for

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def put(
    tenant: Tenant,
    day: datetime.date,
    metric: str,
    value: int,
    count: int = 0,
    dimension: str = "",
    keys: range | None = None,
) -> None:
    DailyFact.objects.create(
        tenant=tenant,
        region_code=str(tenant.region_id),
        day=day,
        metric=metric,
        dimension=dimension,
        value=value,
        count=count,
        entity_keys=list(keys or []),
    )


def signed_in(tenant: Tenant, username: str = "admin", role: Role | None = None) -> Client:
    client = client_for(tenant)
    with tenant:
        if role is not None:
            user = create_user(username=username, full_name=username.title(), roles=[role], password=PASSWORD)
        else:
            user = User.objects.get(username=username)
        client.force_login(user)
    return client


@pytest.fixture(autouse=True)
def _fresh_cache(tenants: TenantSet) -> None:
    """New facts versions: no page cached by an earlier test is served (without clearing a
    cache other processes may share)."""
    for tenant in (tenants.kota, tenants.a, tenants.b):
        with tenant:
            cache.delete(services.version_key(tenant.pk))


@pytest.fixture
def history(tenants: TenantSet, db: None) -> TenantSet:
    """Ten days of facts in Mojorejo (A), a few in Pandean (B)."""
    for n in range(10):
        day = TODAY() - datetime.timedelta(days=n + 1)
        put(tenants.a, day, Metric.GMV, 100_000, 4, keys=range(1, 3))
        put(tenants.a, day, Metric.GMV, 60_000, 2, dimension="makanan", keys=range(1, 2))
        put(tenants.a, day, Metric.UMKM_ACTIVE, 20 + n, keys=range(100, 120 + n))
        put(tenants.a, day, Metric.RESIDENTS_REGISTERED, 200)
        put(tenants.a, day, Metric.ACTIVE_RESIDENTS, 5, keys=range(n, n + 5))  # overlapping people
        put(tenants.a, day, Metric.REPORTS_OPENED, 2, dimension="sampah", keys=range(1, 3))
        put(tenants.a, day, Metric.REPORTS_OPENED, 2, keys=range(1, 3))
        put(tenants.a, day, Metric.REPORTS_RESOLVED, 120, 1, keys=range(1, 2))
    for n in range(3):
        put(tenants.b, TODAY() - datetime.timedelta(days=n + 1), Metric.GMV, 7_000, 1, keys=range(1, 2))
    return tenants


def kpi(data: dict[str, Any], key: str) -> Any:
    return next(k for k in data["kpis"] if k["key"] == key)


def test_visitors_are_sent_to_login_and_warga_get_403(history: TenantSet) -> None:
    response = client_for(history.a).get("/dasbor/")
    assert response.status_code == 302
    assert response["Location"].startswith("/akun/masuk/")
    warga = signed_in(history.a, "warga-mojorejo")
    assert warga.get("/dasbor/").status_code == 403
    assert warga.get("/dasbor/ekspor/csv/").status_code == 403
    assert warga.get("/dasbor/laporan.geojson").status_code == 403


@pytest.mark.parametrize("role", [Role.LURAH, Role.ADMIN, Role.STAF_OPD])
def test_the_lurah_sees_the_kelurahans_figures_from_the_facts(history: TenantSet, role: Role) -> None:
    client = signed_in(history.a, f"dash-{role}", role)
    response = client.get("/dasbor/?rentang=30h")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dasbor kelurahan" in page
    data = response.context["data"]
    assert kpi(data, "gmv")["value"] == 1_000_000  # 10 days × Rp100.000, not B's Rp7.000s
    assert kpi(data, "gmv")["text"] == "Rp1.000.000"
    assert kpi(data, "transactions")["value"] == 40
    assert kpi(data, "umkm_active")["value"] == 20  # the latest day of the period
    assert kpi(data, "active_residents")["value"] == 14  # keys 0..13, each counted once
    assert kpi(data, "participation")["value"] == pytest.approx(7.0)
    assert kpi(data, "resolve_hours")["value"] == pytest.approx(2.0)
    assert kpi(data, "par")["text"] == "belum ada data"  # no lending facts yet
    assert 'data-testid="kpi-gmv"' in page and "<svg" in page
    assert data["reports_by_category"] == [("sampah", 20)]


def test_a_kelurahan_never_sees_another_kelurahans_figures(history: TenantSet) -> None:
    data = signed_in(history.b).get("/dasbor/").context["data"]
    assert kpi(data, "gmv")["value"] == 21_000
    assert kpi(data, "umkm_active")["value"] is None
    assert data["reports_by_category"] == []


def test_the_date_filter_and_its_errors(history: TenantSet) -> None:
    client = signed_in(history.a)
    two = (TODAY() - datetime.timedelta(days=2)).isoformat()
    data = client.get(f"/dasbor/?dari={two}&sampai={two}").context["data"]
    assert kpi(data, "gmv")["value"] == 100_000
    assert kpi(data, "umkm_active")["value"] == 21
    assert kpi(data, "umkm_growth")["value"] is not None
    for query, message in (
        ("dari=kemarin", "Tanggal harus berformat"),
        (f"dari={TODAY().isoformat()}&sampai={two}", "Tanggal awal harus sebelum"),
        (f"sampai={(TODAY() + datetime.timedelta(days=1)).isoformat()}", "masa depan"),
        ("dari=2000-01-01", "paling panjang 3 tahun"),
        ("rentang=abad", "Rentang waktu tidak dikenal"),
    ):
        response = client.get(f"/dasbor/?{query}")
        assert response.status_code == 422, query
        assert message in response.content.decode()
    assert client.get("/dasbor/ekspor/csv/?dari=kemarin").status_code == 422


def test_exports_in_csv_xlsx_and_pdf(history: TenantSet) -> None:
    client = signed_in(history.a)
    response = client.get("/dasbor/ekspor/csv/?rentang=7h")  # today and the 6 days before
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"] and ".csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert ["Pasar", "Nilai penjualan", "Rp600.000", "600000"] in rows
    xlsx = client.get("/dasbor/ekspor/xlsx/?rentang=7h")
    assert xlsx.status_code == 200
    book = load_workbook(io.BytesIO(xlsx.content))
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("Pasar", "Nilai penjualan", "Rp600.000", 600000) in values
    pdf = client.get("/dasbor/ekspor/pdf/?rentang=7h")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert client.get("/dasbor/ekspor/docx/").status_code == 404


def test_pages_are_cached_until_a_roll_up_changes_the_facts(
    history: TenantSet, django_capture_on_commit_callbacks: Any
) -> None:
    period = Period(TODAY() - datetime.timedelta(days=6), TODAY())
    with history.a:
        first = dashboards.lurah_data(history.a, period)
        put(history.a, TODAY(), Metric.GMV, 5_000, 1)  # a write that bypasses the roll-up: not seen
        assert dashboards.lurah_data(history.a, period) == first
    with django_capture_on_commit_callbacks(execute=True):
        services.rollup_tenant_day(history.a, TODAY() - datetime.timedelta(days=20))  # bumps the version
    with history.a:
        fresh = dashboards.lurah_data(history.a, period)
    assert kpi(fresh, "gmv")["value"] == kpi(first, "gmv")["value"] + 5_000


def test_the_report_map_shows_the_kelurahans_own_reports(history: TenantSet) -> None:
    from tests.reports.conftest import make_world

    with history.a:
        world = make_world(history.a)
        world.file(world.sampah)
    body = signed_in(history.a).get("/dasbor/laporan.geojson?rentang=7h").json()
    assert [f["properties"]["category"] for f in body["features"]] == ["Sampah"]
    assert body["features"][0]["properties"]["open"] is True
    assert "reporter" not in json.dumps(body)
    assert signed_in(history.b).get("/dasbor/laporan.geojson?rentang=7h").json()["features"] == []


@pytest.fixture
def other_city(history: TenantSet) -> Tenant:
    """Kota Surabaya and one of its kelurahan: rows only (no schema), with large facts."""
    surabaya = Tenant(
        schema_name="kota_3578_test", tenant_type="kota", region_id="35.78", name="Kota Surabaya", slug="surabaya-test"
    )
    surabaya.auto_create_schema = False
    surabaya.save()
    kel = Tenant(
        schema_name="kel_3578011001_test",
        tenant_type="kelurahan",
        region_id="35.78.01.1001",
        name="Kelurahan Karang Pilang",
        slug="karang-pilang-test",
        parent=surabaya,
    )
    kel.auto_create_schema = False
    kel.save()
    put(kel, TODAY() - datetime.timedelta(days=1), Metric.GMV, 999_000_000, 50, keys=range(1, 60))
    return kel


def test_the_kota_compares_its_own_kelurahan_only(history: TenantSet, other_city: Tenant) -> None:
    client = signed_in(history.kota)
    response = client.get("/dasbor/?rentang=30h&indikator=gmv")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dasbor kota" in page
    data = response.context["data"]
    assert kpi(data, "gmv")["value"] == 1_000_000 + 21_000  # A + B, never Surabaya's
    names = [row["name"] for row in data["rows"]]
    assert names == sorted(names)
    assert "Kelurahan Karang Pilang" not in names and "Karang Pilang" not in page
    by_code = {row["code"]: row for row in data["rows"]}
    assert by_code["35.77.03.1001"]["values"]["gmv"] == 1_000_000
    assert by_code["35.77.03.1002"]["values"]["gmv"] == 21_000
    codes = {f["properties"]["kode"] for f in data["choropleth"]["features"]}
    assert codes == {"35.77.03.1001", "35.77.03.1002"}
    colours = {f["properties"]["kode"]: f["properties"]["warna"] for f in data["choropleth"]["features"]}
    # Both GMVs come from fewer than k shops: neither is painted by its value.
    assert set(colours.values()) == {dashboards.SUPPRESSED}
    assert 'id="choropleth-data"' in page
    # A city sees aggregates, never the kelurahan's rows.
    assert client.get("/dasbor/laporan.geojson").status_code == 404
    assert client.get("/dasbor/?indikator=rahasia").status_code == 422


def test_the_kota_export_lists_its_kelurahan(history: TenantSet, other_city: Tenant) -> None:
    response = signed_in(history.kota).get("/dasbor/ekspor/csv/?rentang=30h")
    text = response.content.decode("utf-8-sig")
    assert "Perbandingan kelurahan" in text and "35.77.03.1001" in text
    assert "Karang Pilang" not in text and "999000000" not in text


def test_the_kota_comparison_shows_cells_of_fewer_than_k_as_below_k_on_the_page_and_in_exports(
    history: TenantSet,
) -> None:
    """Mojorejo's GMV comes from 2 shops: "< 5" wherever the comparison is shown or exported
    (the page says so); its 20+ active UMKM are shown as a number."""
    client = signed_in(history.kota)
    response = client.get("/dasbor/?rentang=30h&indikator=gmv&kolom=semua")
    page = response.content.decode()
    assert 'data-testid="k-note"' in page and "kurang dari 5 usaha atau warga" in page
    rows = {r["code"]: r for r in response.context["table_rows"]}
    labels = [str(ind.label) for ind in dashboards.COMPARED]
    mojorejo = dict(zip(labels, [c["text"] for c in rows["35.77.03.1001"]["cells"]], strict=True))
    assert mojorejo["Nilai penjualan"] == "< 5"
    assert mojorejo["UMKM aktif"] not in ("< 5", "belum ada data")
    assert 'data-testid="suppressed-cell">&lt; 5</td>' in page
    # The map neither paints a hidden cell by its value nor lists its value in the legend.
    features = {f["properties"]["kode"]: f["properties"] for f in response.context["data"]["choropleth"]["features"]}
    assert features["35.77.03.1001"]["warna"] == dashboards.SUPPRESSED
    legend = response.context["data"]["choropleth"]["legend"]
    assert [item["colour"] for item in legend] == [dashboards.SUPPRESSED]
    assert "Rp1.000.000" not in str(legend)
    popup = {
        f["properties"]["kode"]: f["properties"]["nilai"] for f in response.context["data"]["choropleth"]["features"]
    }
    assert popup["35.77.03.1001"] == "< 5"

    text = client.get("/dasbor/ekspor/csv/?rentang=30h").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    header = next(r for r in table if r[:2] == ["Kelurahan", "Kode wilayah"])
    exported = dict(zip(header, next(r for r in table if r[1:2] == ["35.77.03.1001"]), strict=True))
    assert exported["Nilai penjualan"] == "< 5" and exported["UMKM aktif"] not in ("", "< 5")
    assert "kurang dari 5 usaha atau warga" in text
    book = load_workbook(io.BytesIO(client.get("/dasbor/ekspor/xlsx/?rentang=30h").content))
    cells = [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) if "35.77.03.1001" in row]
    assert cells and "< 5" in cells[0] and 1_000_000 not in cells[0]
