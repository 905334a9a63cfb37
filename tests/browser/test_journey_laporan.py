"""Journey "laporan" (issue 19) on a phone (390×844): a guest opens the kelurahan's profile
page, files a report without an account — a photo and a landmark, no GPS — forgets the
description once and recovers, gets the tracking code and opens the tracking page; a staff
member signs in, sees only the actions the status allows and resolves it; the guest's tracking
page then shows it resolved."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

from apps.accounts.lockout import forget_login_records
from apps.notifications.models import Message
from apps.reports import services
from apps.reports.models import Category, Report, ReportUpdate
from apps.rtrw.models import RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from apps.websessions.models import WebSession
from tests.browser import scenes
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.browser.test_reports import PNG, _reset_storage
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

CATEGORY = "uji-lampu-jalan"
STAFF = "admin"
RW_NUMBER = 87


@dataclass
class Scene:
    tenant: Tenant
    rt_label: str
    session_keys: list[str] = field(default_factory=list)


def _clean(tenant: Tenant, session_keys: list[str]) -> None:
    with tenant:
        reports = list(Report.objects.filter(category__code=CATEGORY))
        for report in reports:
            for photo in report.photos.all():
                photo.image.delete(save=False)
        Message.objects.filter(key__in=[f"report-update-{u.pk}" for r in reports for u in r.updates.all()]).delete()
        ReportUpdate.objects.filter(report__in=reports).delete()  # core_event rows: no cascade
        Report.objects.filter(pk__in=[r.pk for r in reports]).delete()
        Category.objects.filter(code=CATEGORY).delete()
        RukunTetangga.objects.filter(rw__number=RW_NUMBER).delete()
        RukunWarga.objects.filter(number=RW_NUMBER).delete()
        WebSession.objects.filter(session_key__in=session_keys).delete()
        forget_login_records([STAFF])


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer, settings: Any, tmp_path: Path) -> Iterator[Scene]:
    """Committed in Mojorejo: a category handled by the kelurahan and an RT to choose."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    _reset_storage()
    cache.clear()  # guest rate-limit counters of earlier tests
    tenant = tenants.a
    _clean(tenant, [])
    with tenant:
        services.ensure_category(
            code=CATEGORY, name="Lampu jalan mati", unit=Category.Unit.KELURAHAN, sla_hours=48, escalation_hours=120
        )
        rt = RukunTetangga.objects.create(rw=RukunWarga.objects.create(number=RW_NUMBER), number=3)
        label = str(rt)
    scene = Scene(tenant, label)
    try:
        yield scene
    finally:
        _clean(tenant, scene.session_keys)
        _reset_storage()


def test_laporan(scene: Scene, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    page: Any = journey.page
    host = TenantSet.host(scene.tenant)

    # The guest opens the kelurahan's profile page.
    page.goto(server.url(host, "/"))
    expect(page.get_by_test_id("profile-services")).to_be_visible()
    expect(page.get_by_test_id("profile-reports")).to_contain_text("laporan selesai ditangani")
    journey.step("profil kelurahan")

    # Files a report without an account: no GPS, a landmark and the RT, and a photo ...
    page.get_by_test_id("profile-new-report").click()
    expect(page.get_by_role("heading", name="Laporkan masalah")).to_be_visible()
    page.select_option("#id_category", CATEGORY)
    page.fill("#id_address", "Tiang lampu depan pos ronda Gang Mawar")
    page.select_option("#id_rt", label=scene.rt_label)
    page.get_by_test_id("photos").set_input_files([{"name": "lampu.png", "mimeType": "image/png", "buffer": PNG}])
    page.fill("#id_contact_email", "tini@contoh.id")
    journey.step("formulir laporan tanpa akun", full_page=True)

    # ... but forgets the description: the error is next to it, the rest is kept.
    page.get_by_test_id("submit-report").click()
    errors = page.get_by_test_id("description-errors")
    expect(errors).to_contain_text("Uraian masalah")
    expect(page.locator("#id_address")).to_have_value("Tiang lampu depan pos ronda Gang Mawar")
    expect(page.locator("#id_description")).to_have_attribute("aria-invalid", "true")
    journey.step("uraian belum diisi", full_page=True)

    page.fill("#id_description", "Lampu jalan mati sejak tiga hari, gang gelap di malam hari")
    page.get_by_test_id("photos").set_input_files([{"name": "lampu.png", "mimeType": "image/png", "buffer": PNG}])
    page.get_by_test_id("submit-report").click()
    expect(page.get_by_test_id("tracking-page")).to_be_visible()
    code = page.get_by_test_id("tracking-code").inner_text()
    assert re.fullmatch(r"LP-[A-Z0-9]{8}", code)
    tracking_link = page.get_by_test_id("tracking-link").input_value()
    assert "/laporan/lacak/" in tracking_link
    expect(page.get_by_test_id("report-status")).to_have_text("Baru")
    journey.step("nomor pelacakan")
    with scene.tenant:
        report = Report.objects.get(code=code)
        assert report.reporter is None and report.lat is None and report.photos.count() == 1

    # Later, the guest opens the tracking link.
    page.goto(tracking_link)
    expect(page.get_by_test_id("tracking-code")).to_have_text(code)
    expect(page.locator("body")).not_to_contain_text("tini@contoh.id")
    journey.step("halaman pantau laporan")

    # A staff member signs in and sees only the actions allowed for a new report.
    scenes.sign_in(page, server, host, STAFF, scene.session_keys)
    page.goto(server.url(host, "/laporan/petugas/"))
    row = page.get_by_test_id("staff-row").filter(has_text=code)
    expect(row).to_contain_text("Pelapor anonim")
    journey.step("antrian petugas")
    row.get_by_role("link").click()
    expect(page.get_by_test_id("anonymous-reporter")).to_be_visible()
    expect(page.get_by_test_id("action-resolve")).to_be_visible()
    expect(page.get_by_test_id("action-close")).to_have_count(0)
    journey.step("tindakan yang boleh", full_page=True)

    page.fill("#staff-note", "Lampu sudah diganti petugas kelurahan")
    page.get_by_test_id("action-resolve").click()
    expect(page.get_by_text("Laporan ditandai selesai ditangani. Pelapor diberi tahu.")).to_be_visible()
    expect(page.get_by_test_id("report-status")).to_have_text("Selesai ditangani")
    expect(page.get_by_test_id("action-resolve")).to_have_count(0)
    journey.step("laporan selesai ditangani")

    # The guest's tracking page shows it resolved.
    page.context.clear_cookies()
    page.goto(tracking_link)
    expect(page.get_by_test_id("report-status")).to_have_text("Selesai ditangani")
    expect(page.get_by_test_id("timeline")).to_contain_text("Lampu sudah diganti petugas kelurahan")
    journey.step("warga melihat laporan selesai")
