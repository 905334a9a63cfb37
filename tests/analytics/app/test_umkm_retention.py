"""The UMKM half of the retention cohorts: UMKM_TRADING (a shop that sold, completed an order
or changed a listing that day), its cohorts next to the residents' on the lurah and kota pages,
and both cohort tables in the CSV and xlsx exports with "< k" cells."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from apps.analytics import satisfaction
from apps.analytics.models import DailyFact
from apps.facts.metrics import Metric
from apps.marketplace import facts
from apps.marketplace.models import Order, Product
from apps.tenancy.models import Tenant
from tests.conftest import TenantSet

from .conftest import Town, at, sell
from .test_dashboard import signed_in

pytestmark = pytest.mark.django_db


def _shops(day: datetime.date) -> frozenset[int]:
    rows = [r for r in facts.daily_facts(day) if r.metric == Metric.UMKM_TRADING]
    assert len(rows) <= 1 and all(r.dimension == "" and r.value == len(r.entity_keys) for r in rows)
    return rows[0].entity_keys if rows else frozenset()


def test_a_shop_trades_on_the_day_it_sells_completes_or_changes_a_listing(town: Town) -> None:
    market = town.market
    Product.objects.update(created_at=at(timezone.localdate() - datetime.timedelta(days=40)))
    Product.objects.update(updated_at=at(timezone.localdate() - datetime.timedelta(days=40)))
    sold_on = timezone.localdate() - datetime.timedelta(days=5)
    [order] = sell(market, [(market.nasi, 2)], paid_on=sold_on)  # Pecel sells
    Product.objects.filter(shop=market.oleh).update(updated_at=at(sold_on - datetime.timedelta(days=1)))
    Order.objects.filter(pk=order.pk).update(completed_at=at(sold_on + datetime.timedelta(days=2)))
    pecel_only = _shops(sold_on)
    assert len(pecel_only) == 1
    assert (
        len(_shops(sold_on - datetime.timedelta(days=1))) == 1
        and _shops(sold_on - datetime.timedelta(days=1)) != pecel_only
    )
    assert _shops(sold_on + datetime.timedelta(days=2)) == pecel_only  # completed (delivered) that day
    assert _shops(sold_on + datetime.timedelta(days=1)) == frozenset()  # nothing happened
    # UMKM_ACTIVE counts both open shops every day, trading or not.
    active = next(r for r in facts.daily_facts(sold_on + datetime.timedelta(days=1)) if r.metric == Metric.UMKM_ACTIVE)
    assert active.value == 2


def _fact(tenant: Tenant, day: datetime.date, metric: str, keys: list[int]) -> None:
    DailyFact.objects.create(
        tenant=tenant, region_code=str(tenant.region_id), day=day, metric=metric, value=len(keys), entity_keys=keys
    )


def _months_back(n: int) -> datetime.date:
    today = timezone.localdate()
    index = today.year * 12 + today.month - 1 - n
    return datetime.date(index // 12, index % 12 + 1, 1)


def test_umkm_cohorts_are_on_both_dashboards_and_in_the_exports(tenants: TenantSet) -> None:
    # 6 shops first trade two months ago, 5 of them again last month, 2 this month (hidden).
    shops = list(range(500, 506))
    _fact(tenants.a, _months_back(2), Metric.UMKM_TRADING, shops)
    _fact(tenants.a, _months_back(1), Metric.UMKM_TRADING, shops[:5])
    _fact(tenants.a, _months_back(0), Metric.UMKM_TRADING, shops[:2])
    _fact(tenants.a, _months_back(2), Metric.ACTIVE_RESIDENTS, list(range(1, 8)))
    _fact(tenants.b, _months_back(1), Metric.UMKM_TRADING, [900, 901, 902, 903, 904])
    got = satisfaction.cohorts([tenants.a.pk], Metric.UMKM_TRADING, timezone.localdate())
    oldest = next(r for r in got["rows"] if r["month"] == _months_back(2).replace(day=1))
    assert [c["n"] for c in oldest["cells"]] == [6, 5, None] and oldest["cells"][2]["hidden"]
    assert oldest["cells"][1]["share"] == pytest.approx(500 / 6)
    for tenant, cohort_rows in ((tenants.a, 1), (tenants.kota, 2)):
        client = signed_in(tenant)
        page = client.get("/dasbor/?rentang=1t")
        assert page.status_code == 200
        titles = [title for title, _c in page.context["data"]["cohorts"]]
        assert titles == ["Warga aktif", "UMKM yang bertransaksi"]
        umkm = page.context["data"]["cohorts"][1][1]
        assert sum(1 for r in umkm["rows"] if r["size"]) == cohort_rows
        kpis = {k["key"]: k["value"] for k in page.context["data"]["kpis"]}
        assert kpis["umkm_trading"] == (6 if tenant == tenants.a else 11)
        rows = list(csv.reader(io.StringIO(client.get("/dasbor/ekspor/csv/?rentang=1t").content.decode("utf-8-sig"))))
        start = rows.index(["Retensi kohort: UMKM yang bertransaksi"])
        assert rows[start + 1][:3] == ["Pertama aktif", "Bulan itu", "+1 bln"]
        table = {r[0]: r[1:] for r in rows[start + 2 : start + 8]}
        assert table[_months_back(2).strftime("%Y-%m")][:3] == ["6", "5", "< 5"]
        assert ["Retensi kohort: Warga aktif"] in rows
    book = load_workbook(io.BytesIO(signed_in(tenants.a).get("/dasbor/ekspor/xlsx/?rentang=1t").content))
    sheet = next(s for s in book.worksheets if s.title.startswith("Retensi kohort UMKM"))
    assert [c.value for c in sheet[2]][:2] == ["Pertama aktif", "Bulan itu"]
    assert signed_in(tenants.a).get("/dasbor/ekspor/pdf/?rentang=1t").status_code == 200
