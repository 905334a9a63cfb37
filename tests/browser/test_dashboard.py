"""Dasbor end to end (desktop): the lurah of Mojorejo opens the dashboard, narrows the period,
and exports the report as CSV and Excel (the downloads are opened and checked)."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.analytics.models import DailyFact
from apps.facts.metrics import Metric
from apps.websessions.models import WebSession
from tests.browser.conftest import LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

LURAH = "browser-dasbor-lurah"
HOST = "mojorejo.localhost"


def _cleanup(tenants: TenantSet) -> None:
    connection.set_schema_to_public()
    DailyFact.objects.filter(tenant=tenants.a).delete()
    with tenants.a:
        forget_login_records([LURAH])
        User.objects.filter(username=LURAH).delete()
    connection.set_schema_to_public()


@pytest.fixture
def facts(tenants: TenantSet, server: LiveServer) -> Iterator[list[str]]:
    """Committed: a lurah in Mojorejo and 14 days of roll-ups; removed afterwards."""
    _cleanup(tenants)
    today = timezone.localdate()
    rows = []
    for n in range(14):
        day = today - datetime.timedelta(days=n)
        for metric, value, count, dim in (
            (Metric.GMV, 250_000, 5, ""),
            (Metric.GMV, 150_000, 3, "makanan"),
            (Metric.UMKM_ACTIVE, 12, 0, ""),
            (Metric.REPORTS_OPENED, 1, 0, ""),
            (Metric.REPORTS_OPENED, 1, 0, "sampah"),
        ):
            rows.append(
                DailyFact(
                    tenant=tenants.a,
                    region_code="35.77.03.1001",
                    day=day,
                    metric=metric,
                    value=value,
                    count=count,
                    dimension=dim,
                )
            )
    DailyFact.objects.bulk_create(rows)
    with tenants.a:
        create_user(username=LURAH, full_name="Bu Lurah", roles=[Role.LURAH], password=PASSWORD)
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield session_keys
    finally:
        with tenants.a:
            WebSession.objects.filter(session_key__in=session_keys).delete()
        _cleanup(tenants)


def test_the_lurah_opens_the_dashboard_and_exports_a_report(
    facts: list[str], tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    # `facts` comes before `page` so its DB set-up and clean-up run outside Playwright.
    from playwright.sync_api import expect

    page.goto(server.url(HOST, "/akun/masuk/?next=/dasbor/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(LURAH)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(HOST, "/dasbor/"))
    facts.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    expect(page.get_by_test_id("dashboard-title")).to_have_text("Dasbor kelurahan")
    # The default period is the last 30 days: all 14 days of facts.
    expect(page.get_by_test_id("kpi-gmv")).to_contain_text("Rp3.500.000")
    expect(page.get_by_test_id("kpi-umkm_active")).to_contain_text("12")
    expect(page.get_by_test_id("kpi-par")).to_contain_text("belum ada data")
    expect(page.locator("svg.chart").first).to_be_visible()

    # The last 7 days only.
    page.get_by_test_id("dashboard-filter").locator("select[name=rentang]").select_option("7h")
    page.get_by_test_id("dashboard-filter").get_by_role("button", name="Terapkan").click()
    expect(page.get_by_test_id("kpi-gmv")).to_contain_text("Rp1.750.000")
    page.screenshot(path=str(results_dir(request.config) / "dasbor-lurah-desktop.png"), full_page=True)

    with page.expect_download() as info:
        page.get_by_test_id("export-csv").click()
    download = info.value
    assert download.suggested_filename.startswith("dasbor-mojorejo-") and download.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.path()).read_text(encoding="utf-8-sig"))))
    assert ["Pasar", "Nilai penjualan", "Rp1.750.000", "1750000"] in rows
    assert ["makanan", "1050000"] in rows

    with page.expect_download() as info:
        page.get_by_test_id("export-xlsx").click()
    assert info.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(Path(info.value.path()).read_bytes()))  # the temp file has no extension
    values = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("Pasar", "Nilai penjualan", "Rp1.750.000", 1750000) in values
