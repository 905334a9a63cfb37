"""Issue 20 on the dashboards: the lurah sees its UMKM's invoices and invoice financing, the
kota sees them rolled up plus its own levies per kelurahan and per levy ("< 5" for fewer than
five payers), on the page and in the export."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.core.cache import cache
from django.utils import timezone

from apps.analytics import services
from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet

from .test_dashboard import put, signed_in

pytestmark = pytest.mark.django_db
DAY = timezone.localdate() - datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def _fresh_cache(tenants: TenantSet) -> None:
    for tenant in (tenants.kota, tenants.a, tenants.b):
        with tenant:
            cache.delete(services.version_key(tenant.pk))


def kpis(data: dict[str, Any]) -> dict[str, str]:
    return {k["key"]: k["text"] for k in data["kpis"]}


def invoices(tenant: Tenant, scale: int) -> None:
    put(tenant, DAY, Metric.INVOICES_ISSUED, 3_000_000 * scale, 3, keys=range(1, 4))
    put(tenant, DAY, Metric.INVOICES_PAID, 2_000_000 * scale, 2, keys=range(1, 3))
    put(tenant, DAY, Metric.INVOICE_PAY_DAYS, 30, 2, keys=range(1, 3))
    put(tenant, DAY, Metric.INVOICE_PAY_DAYS, 24, 1, dimension="pemerintah", keys=range(1, 2))
    put(tenant, DAY, Metric.INVOICE_PAY_DAYS, 6, 1, dimension="usaha", keys=range(2, 3))
    put(tenant, DAY, Metric.INVOICES_OVERDUE, 500_000, 1, keys=range(3, 4))
    put(tenant, DAY, Metric.FINANCING_DISBURSED, 800_000, 1, keys=range(1, 2))
    put(tenant, DAY, Metric.FINANCING_OUTSTANDING, 800_000, 1, keys=range(1, 2))
    put(tenant, DAY, Metric.FINANCING_FEES, 20_000, 1, keys=range(1, 2))


def levies(kota: Tenant, a: Tenant, b: Tenant) -> None:
    put(kota, DAY, Metric.LEVY_BILLED, 1_000_000, 10, keys=range(1, 9))
    put(kota, DAY, Metric.LEVY_BILLED, 1_000_000, 10, dimension="SMP", keys=range(1, 9))
    put(kota, DAY, Metric.LEVY_COLLECTED, 800_000, 8, keys=range(1, 9))
    put(kota, DAY, Metric.LEVY_COLLECTED, 800_000, 8, dimension="SMP", keys=range(1, 9))
    put(kota, DAY, Metric.LEVY_FINES, 5_000, 1, keys=range(1, 2))
    put(kota, DAY, Metric.LEVY_OVERDUE, 200_000, 2, keys=range(7, 9))
    put(kota, DAY, Metric.LEVY_BILLED_KEL, 700_000, 7, dimension=str(a.region_id), keys=range(1, 7))
    put(kota, DAY, Metric.LEVY_BILLED_KEL, 300_000, 3, dimension=str(b.region_id), keys=range(7, 9))
    put(kota, DAY, Metric.LEVY_COLLECTED_KEL, 600_000, 6, dimension=str(a.region_id), keys=range(1, 7))
    put(kota, DAY, Metric.LEVY_COLLECTED_KEL, 200_000, 2, dimension=str(b.region_id), keys=range(7, 9))
    put(kota, DAY, Metric.LEVY_OVERDUE_KEL, 200_000, 2, dimension=str(b.region_id), keys=range(7, 9))


def test_the_lurah_sees_its_umkms_invoices_and_financing(tenants: TenantSet) -> None:
    invoices(tenants.a, 1)
    levies(tenants.kota, tenants.a, tenants.b)
    response = signed_in(tenants.a).get("/dasbor/?rentang=7h")
    assert response.status_code == 200
    got = kpis(response.context["data"])
    assert (got["invoices_issued"], got["invoices_value"], got["invoices_paid"]) == ("3", "Rp3.000.000", "Rp2.000.000")
    assert (got["invoice_pay_days"], got["invoice_pay_days_government"], got["invoice_pay_days_business"]) == (
        "15,0 hari",
        "24,0 hari",
        "6,0 hari",
    )
    assert (got["invoices_overdue"], got["financing_disbursed"], got["financing_outstanding"]) == (
        "Rp500.000",
        "Rp800.000",
        "Rp800.000",
    )
    assert (got["financing_fees"], got["financing_defaulted"]) == ("Rp20.000", "Rp0")
    page = response.content.decode()
    assert "Faktur UMKM" in page and "Pembiayaan faktur" in page and 'data-testid="kpi-invoices_value"' in page
    # The kota's levies are not the kelurahan's page.
    assert 'data-testid="levies"' not in page and "levies" not in response.context["data"]


def test_the_kota_sees_levies_per_kelurahan_and_invoices_rolled_up(tenants: TenantSet) -> None:
    invoices(tenants.a, 1)
    invoices(tenants.b, 2)
    levies(tenants.kota, tenants.a, tenants.b)
    client = signed_in(tenants.kota)
    response = client.get("/dasbor/?rentang=7h&kolom=semua")
    assert response.status_code == 200
    data = response.context["data"]
    assert kpis(data)["invoices_value"] == "Rp9.000.000"  # 3 jt in Mojorejo + 6 jt in Pandean
    assert kpis(data)["financing_outstanding"] == "Rp1.600.000"
    section = data["levies"]
    assert kpis(section) == {
        "levy_billed": "Rp1.000.000",
        "levy_collected": "Rp800.000",
        "levy_rate": "80,0%",
        "levy_fines": "Rp5.000",
        "levy_overdue": "Rp200.000",
        "levy_bills": "10 / 8",
    }
    rows = {r["code"]: [c["text"] for c in r["cells"]] for r in section["kelurahan"]}
    assert rows[str(tenants.a.region_id)] == ["Rp700.000", "Rp600.000", "85,7%", "Rp0"]
    assert rows[str(tenants.b.region_id)] == ["< 5", "< 5", "< 5", "< 5"]  # two payers
    assert [(r["code"], [c["text"] for c in r["cells"]]) for r in section["levies"]] == [
        ("SMP", ["Rp1.000.000", "Rp800.000", "80,0%", "Rp0"])
    ]
    page = response.content.decode()
    assert 'data-testid="levies-by-kelurahan"' in page and "Rp700.000" in page
    # The comparison table leaves out figures of one kind of buyer (their shops cannot be counted).
    labels = [str(ind.label) for ind in response.context["table_indicators"]]
    assert "Rata-rata lama faktur dibayar" in labels and "Lama bayar pembeli pemerintah" not in labels

    text = client.get("/dasbor/ekspor/csv/?rentang=7h").content.decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    header = next(r for r in table if r[:2] == ["Kelurahan", "Tagihan terbit"])
    assert header == ["Kelurahan", "Tagihan terbit", "Diterima", "Tingkat penerimaan", "Tunggakan"]
    assert any(r[1:] == ["< 5", "< 5", "< 5", "< 5"] for r in table)  # Pandean: two payers


def test_a_kota_without_levy_facts_says_so(tenants: TenantSet) -> None:
    response = signed_in(tenants.kota).get("/dasbor/?rentang=7h")
    section = response.context["data"]["levies"]
    assert not section["has_data"] and kpis(section)["levy_collected"] == "belum ada data"
    assert 'data-testid="levies-by-kelurahan"' not in response.content.decode()
