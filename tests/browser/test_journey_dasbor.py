"""Journey "dasbor" on a phone (390×844): the lurah of Mojorejo signs in (a wrong password
first), opens the menu and sees her unread notifications, reads her dashboard in plain words;
then the kota's admin reads the comparison of the kelurahan: a map with a legend, and the cells
computed from fewer than k shops hidden as "< k"."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.analytics import dashboards, services
from apps.analytics.models import DailyFact
from apps.facts.metrics import Metric
from apps.notifications.models import Channel, Message
from apps.websessions.models import WebSession
from tests.browser import scenes
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.journeys import Journey
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

LURAH = "journey-dasbor-lurah"
KOTA_ADMIN = "journey-dasbor-kota"


def _cleanup(tenants: TenantSet) -> None:
    connection.set_schema_to_public()
    DailyFact.objects.filter(tenant__in=[tenants.a, tenants.b]).delete()
    for tenant, username in ((tenants.a, LURAH), (tenants.kota, KOTA_ADMIN)):
        with tenant:
            forget_login_records([username])
            Message.objects.filter(recipient__username=username).delete()
            User.objects.filter(username=username).delete()
            cache.delete(services.version_key(tenant.pk))  # no dashboard cached by an earlier test
    connection.set_schema_to_public()


def _fact(tenant: Any, day: datetime.date, metric: str, value: int, count: int, keys: range) -> DailyFact:
    return DailyFact(
        tenant=tenant,
        region_code=str(tenant.region_id),
        day=day,
        metric=metric,
        value=value,
        count=count,
        dimension="",
        entity_keys=list(keys),
    )


@pytest.fixture
def world(tenants: TenantSet, server: LiveServer) -> Iterator[list[tuple[Any, str]]]:
    """Committed: a lurah with 3 unread notifications, a kota admin, 10 days of facts where
    Mojorejo's sales come from 2 shops (below k) and Pandean's from 8; removed afterwards."""
    _cleanup(tenants)
    today = timezone.localdate()
    rows = []
    for n in range(10):
        day = today - datetime.timedelta(days=n + 1)
        rows += [
            _fact(tenants.a, day, Metric.GMV, 100_000, 4, range(1, 3)),
            _fact(tenants.a, day, Metric.UMKM_ACTIVE, 20, 0, range(100, 120)),
            _fact(tenants.b, day, Metric.GMV, 300_000, 9, range(1, 9)),
            _fact(tenants.b, day, Metric.UMKM_ACTIVE, 12, 0, range(100, 112)),
        ]
    DailyFact.objects.bulk_create(rows)
    with tenants.a:
        lurah = scenes.person(LURAH, "Bu Lurah Sari", Role.LURAH)
        for i in range(3):
            Message.objects.create(
                recipient=lurah,
                channel=Channel.IN_APP,
                event="reports.opened",
                key=f"journey-dasbor-{i}",
                title=f"Laporan warga baru {i + 1}",
                body="Ada laporan baru di RW 01.",
                url="/laporan/",
            )
    with tenants.kota:
        scenes.person(KOTA_ADMIN, "Pak Admin Kota", Role.ADMIN)
    connection.set_schema_to_public()
    sessions: list[tuple[Any, str]] = []
    try:
        yield sessions
    finally:
        for tenant, key in sessions:
            with tenant:
                WebSession.objects.filter(session_key=key).delete()
        _cleanup(tenants)


def _sign_in(page: Any, username: str, password: str) -> None:
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(password)
    form.get_by_role("button", name="Masuk").click()


def test_dasbor(world: list[tuple[Any, str]], tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    page: Any = journey.page
    kelurahan, kota = TenantSet.host(tenants.a), TenantSet.host(tenants.kota)

    page.goto(server.url(kelurahan, "/akun/masuk/"))
    journey.step("halaman masuk")
    _sign_in(page, LURAH, "bukan-sandinya")
    error = page.get_by_test_id("login-form").get_by_role("alert")
    expect(error).to_contain_text("Nama pengguna atau kata sandi salah")
    expect(error).not_to_contain_text("nama pengguna nama pengguna")
    journey.step("sandi salah")

    _sign_in(page, LURAH, PASSWORD)
    expect(page.get_by_test_id("nav-profile")).to_be_visible()
    world.extend((tenants.a, c["value"]) for c in page.context.cookies() if c["name"] == "sessionid")
    toggle = page.get_by_test_id("menu-toggle")
    expect(toggle.get_by_test_id("unread-badge")).to_have_text("33 belum dibaca")  # "3" shown, words for readers
    expect(toggle.get_by_test_id("unread-badge").locator(".sr-only")).to_have_text("3 belum dibaca")
    expect(page.locator(".menu-bar")).to_be_hidden()  # the desktop bar is not the phone's menu
    journey.step("masuk, lencana 3 belum dibaca")

    toggle.click()
    links = page.get_by_test_id("menu-phone").locator("a")
    expect(links.first).to_be_visible()
    assert links.count() >= 8
    for i in range(links.count()):
        box = links.nth(i).bounding_box()
        inside = box is not None and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert inside, f"{links.nth(i).inner_text()} is outside the screen: {box}"
    labels = [links.nth(i).inner_text() for i in range(links.count())]
    assert any(label.startswith("Dasbor") for label in labels) and any("Notifikasi" in label for label in labels)
    journey.step("menu terbuka")

    page.get_by_test_id("menu-phone").get_by_role("link", name="Dasbor").click()
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Dasbor kelurahan")
    expect(page.get_by_test_id("kpi-gmv")).to_contain_text("Nilai penjualan")
    expect(page.get_by_test_id("kpi-gmv")).to_contain_text("Rp1.000.000")
    expect(page.get_by_test_id("kpi-par")).to_contain_text("Pinjaman menunggak > 30 hari")
    journey.step("dasbor kelurahan")

    # The kota: its own site, its own account.
    page.goto(server.url(kota, "/akun/masuk/?next=/dasbor/%3Findikator%3Dgmv"))
    _sign_in(page, KOTA_ADMIN, PASSWORD)
    expect(page.get_by_test_id("dashboard-title")).to_have_text("Dasbor kota")
    world.extend((tenants.kota, c["value"]) for c in page.context.cookies() if c["name"] == "sessionid")
    legend = page.get_by_test_id("map-legend")
    legend.scroll_into_view_if_needed()
    expect(legend).to_contain_text("Nilai penjualan")
    expect(legend).to_contain_text("Rp3.000.000")  # Pandean's 8 shops: shown
    expect(legend).to_contain_text(f"kurang dari {dashboards.K_ANONYMITY} usaha atau warga")
    expect(legend).not_to_contain_text("Rp1.000.000")  # Mojorejo's 2 shops: hidden
    journey.step("peta dengan legenda")

    table = page.get_by_test_id("kota-table")
    table.scroll_into_view_if_needed()
    mojorejo = table.locator("tr", has_text="Mojorejo")
    expect(mojorejo.get_by_test_id("suppressed-cell").first).to_have_text(f"< {dashboards.K_ANONYMITY}")
    expect(page.get_by_test_id("k-note")).to_be_visible()
    # The kelurahan column stays in view while the figures scroll sideways.
    table.locator("xpath=ancestor::*[contains(@class, 'table-scroll')][1]").evaluate(
        "el => el.scrollLeft = el.scrollWidth"
    )
    box = mojorejo.locator("th").bounding_box()
    assert box is not None and 0 <= box["x"] < PHONE["width"]
    journey.step("tabel perbandingan, sel kecil disembunyikan")
