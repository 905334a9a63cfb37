"""Laporan warga on a phone: a warga files a report with GPS and a photo, sees a possible
duplicate offered on the way, and watches the status change when staff take the report."""

from __future__ import annotations

import re
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.utils.functional import empty

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.core import geo
from apps.notifications.models import Message
from apps.reports import services
from apps.reports.models import Category, Report, ReportUpdate
from apps.tenancy.models import Tenant
from apps.websessions.models import WebSession
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

CATEGORY = "uji-sampah-browser"
WARGA = "warga-mojorejo"


def _png(width: int = 48, height: int = 32) -> bytes:
    """A real (tiny, orange) PNG, so the page can show it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(b"\x00" + bytes((230, 120, 30)) * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PNG = _png()


@dataclass
class Scene:
    tenant: Tenant
    lat: float
    lng: float
    nearby_code: str
    session_keys: list[str]


def _reset_storage() -> None:
    if default_storage._wrapped is empty:  # type: ignore[attr-defined]
        default_storage._setup()  # type: ignore[attr-defined]
    vars(default_storage._wrapped).pop("relative_media_root", None)  # type: ignore[attr-defined]


def _clean(tenant: Tenant, session_keys: list[str]) -> None:
    with tenant:
        reports = list(Report.objects.filter(category__code=CATEGORY))
        urls = [f"/laporan/{r.code}/" for r in reports]
        for report in reports:
            for photo in report.photos.all():
                photo.image.delete(save=False)
        ReportUpdate.objects.filter(report__in=reports).delete()  # core_event rows: no cascade
        Report.objects.filter(pk__in=[r.pk for r in reports]).delete()
        Category.objects.filter(code=CATEGORY).delete()
        Message.objects.filter(url__in=urls).delete()
        WebSession.objects.filter(session_key__in=session_keys).delete()
        forget_login_records([WARGA])


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer, settings: Any, tmp_path: Path) -> Iterator[Scene]:
    """Committed in Mojorejo: a category and an open report 100 m from where the phone is."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _reset_storage()
    tenant = tenants.a
    _clean(tenant, [])
    assert tenant.lat is not None and tenant.lng is not None
    lat, lng = geo.offset(float(tenant.lat), float(tenant.lng), 40, -30)
    with tenant:
        services.ensure_category(
            code=CATEGORY, name="Sampah (uji)", unit=Category.Unit.KELURAHAN, sla_hours=48, escalation_hours=120
        )
        near_lat, near_lng = geo.offset(lat, lng, 100, 0)
        nearby = services.submit_report(
            category=CATEGORY,
            description="Tumpukan sampah di pinggir kali",
            lat=f"{near_lat:.6f}",
            lng=f"{near_lng:.6f}",
            reporter=User.objects.get(username="admin"),
        )
    keys: list[str] = []
    try:
        yield Scene(tenant, lat, lng, nearby.code, keys)
    finally:
        _clean(tenant, keys)
        _reset_storage()


def test_citizen_files_a_report_on_a_phone_and_sees_its_status_change(
    scene: Scene, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    host = f"{scene.tenant.slug}.localhost"
    page.set_viewport_size(PHONE)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": scene.lat, "longitude": scene.lng, "accuracy": 8})

    page.goto(server.url(host, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(WARGA)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(server.url(host, "/"))
    scene.session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    page.goto(server.url(host, "/laporan/baru/"))
    page.select_option("#id_category", CATEGORY)
    page.get_by_test_id("location-picker-gps").click()
    expect(page.get_by_test_id("map-picked")).to_have_text(re.compile(r"^-7\.\d{6}, 111\.\d{6}$"))
    # the open report 100 m away is offered as a possible duplicate ("saya juga")
    similar = page.get_by_test_id("similar-item")
    expect(similar).to_have_count(1)
    expect(similar).to_have_attribute("data-code", scene.nearby_code)
    expect(similar.get_by_role("button", name="Saya juga")).to_be_visible()

    page.fill("#id_description", "Sampah dibuang di lahan kosong sebelah musala")
    page.get_by_test_id("photos").set_input_files([{"name": "sampah.png", "mimeType": "image/png", "buffer": PNG}])
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(results_dir(request.config) / "reports-new-phone.png"), full_page=True)
    page.get_by_test_id("submit-report").click()
    expect(page).to_have_url(re.compile(rf"^http://{re.escape(host)}:{server.port}/laporan/LP-[A-Z0-9]{{8}}/$"))
    expect(page.get_by_test_id("report-status")).to_have_text("Baru")
    expect(page.locator(".photos img")).to_have_js_property("naturalWidth", 48)  # served from tenant storage
    code = page.get_by_test_id("report-code").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(results_dir(request.config) / "reports-filed-phone.png"), full_page=True)

    with scene.tenant:
        report = Report.objects.get(code=code)
        assert report.reporter is not None and report.reporter.username == WARGA
        assert report.photos.count() == 1 and report.source == "web"
        services.start_work(report, User.objects.get(username="admin"), "Petugas kebersihan menuju lokasi")

    # No reload: the status section polls (HTMX) and shows the change.
    expect(page.get_by_test_id("report-status")).to_have_text("Sedang dikerjakan", timeout=15_000)
    expect(page.get_by_test_id("timeline")).to_contain_text("Petugas kebersihan menuju lokasi")
    page.goto(server.url(host, "/laporan/saya/"))
    expect(page.get_by_test_id("my-report").filter(has_text=code)).to_contain_text("Sedang dikerjakan")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(results_dir(request.config) / "reports-mine-phone.png"), full_page=True)


def test_saya_juga_instead_of_a_new_report(scene: Scene, server: LiveServer, page: Any) -> None:
    from playwright.sync_api import expect

    host = f"{scene.tenant.slug}.localhost"
    page.set_viewport_size(PHONE)
    page.goto(server.url(host, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(WARGA)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(server.url(host, "/"))
    scene.session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    page.goto(server.url(host, "/laporan/baru/"))
    page.select_option("#id_category", CATEGORY)
    page.get_by_test_id("location-picker").click()  # a tap on the map centre picks the spot
    expect(page.get_by_test_id("map-picked")).to_have_text(re.compile(r"^-7\.\d{6}, 111\.\d{6}$"))
    page.get_by_test_id(f"me-too-{scene.nearby_code}").click()
    expect(page).to_have_url(server.url(host, f"/laporan/{scene.nearby_code}/"))
    expect(page.get_by_test_id("support")).to_contain_text("1 warga")
    with scene.tenant:
        assert Report.objects.filter(category__code=CATEGORY).count() == 1  # no new report was filed
        assert Report.objects.get(code=scene.nearby_code).followers.filter(user__username=WARGA).exists()
