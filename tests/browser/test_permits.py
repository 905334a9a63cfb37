"""Izin usaha mikro end to end on a phone: the owner applies (map pick, uploads), the RT head, staff and
lurah act (through services), the owner downloads the issued certificate and checks it is valid."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog

from apps.accounts.lockout import qualified_username
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.models import DocumentCounter
from apps.notifications.models import Message
from apps.permits import services
from apps.permits.models import Permit, PermitEvent
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from apps.websessions.models import WebSession
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet
from tests.permits.conftest import JPEG, NIK, NIK_MASKED, PNG

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

PREFIX = "bt-izin-"
RW_NUMBER = 91


def _cleanup(tenant: Tenant, sequences_before: dict[int, int]) -> None:
    """Remove everything this test committed in tenant A (also what an interrupted run left)."""
    with tenant:
        users = list(User.objects.filter(username__startswith=PREFIX))
        ids = {str(u.pk) for u in users}
        permits = list(Permit.objects.filter(applicant__in=users))
        for permit in permits:
            for field in (permit.ktp_scan, permit.premises_photo):
                if field:
                    field.delete(save=False)
        PermitEvent.objects.filter(permit__in=permits).delete()
        Permit.objects.filter(pk__in=[p.pk for p in permits]).delete()
        for sequence in DocumentCounter.objects.filter(kind="permit"):
            if sequence.year in sequences_before:
                sequence.last_value = sequences_before[sequence.year]
                sequence.save(update_fields=["last_value"])
            else:
                sequence.delete()
        Message.objects.filter(recipient__in=users).delete()
        Residency.objects.filter(user__in=users).delete()
        RukunTetangga.objects.filter(rw__number=RW_NUMBER).delete()
        RukunWarga.objects.filter(number=RW_NUMBER).delete()
        for session in WebSession.objects.filter(schema_name=tenant.schema_name):
            if session.get_decoded().get("_auth_user_id") in ids:
                session.delete()
        AccessLog.objects.filter(username__startswith=qualified_username(PREFIX)).delete()
        AccessAttempt.objects.filter(username__startswith=qualified_username(PREFIX)).delete()
        for user in users:
            user.groups.clear()
            user.delete()


@pytest.fixture
def izin(tenants: TenantSet, server: LiveServer, settings: Any, tmp_path: Path) -> Iterator[dict[str, User]]:
    """Committed people in Mojorejo (owner in RT 01/RW 91); removed again afterwards."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # django-tenants re-reads MEDIA_ROOT on this change
    tenant = tenants.a
    with tenant:
        sequences_before = dict(DocumentCounter.objects.filter(kind="permit").values_list("year", "last_value"))
    _cleanup(tenant, sequences_before)  # left over by an interrupted run on a reused test database
    with tenant:

        def person(name: str, role: Role, full_name: str) -> User:
            return create_user(username=PREFIX + name, full_name=full_name, roles=[role], password=PASSWORD)

        people = {
            "owner": person("pemilik", Role.PEMILIK_UMKM, "Sri Rahayu"),
            "rt": person("ketua-rt", Role.KETUA_RT, "Wartini"),
            "rw": person("ketua-rw", Role.KETUA_RW, "Slamet"),
            "staf": person("staf", Role.STAF_OPD, "Rina"),
            "lurah": person("lurah", Role.LURAH, "Bambang"),
        }
        rw = RukunWarga.objects.create(number=RW_NUMBER, ketua=people["rw"])
        rt = RukunTetangga.objects.create(rw=rw, number=1, ketua=people["rt"])
        Residency.objects.create(user=people["owner"], rt=rt, address="Jl. Mojorejo No. 12")
    try:
        yield people
    finally:
        _cleanup(tenant, sequences_before)


def _no_sideways_overflow(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_owner_applies_on_a_phone_and_downloads_the_issued_certificate(
    izin: dict[str, User], tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    # `izin` comes before `page` so its DB set-up and clean-up run outside Playwright.
    from playwright.sync_api import expect

    host = "mojorejo.localhost"
    shots = results_dir(request.config)
    page.set_viewport_size(PHONE)

    # The owner signs in on the kelurahan's site.
    page.goto(server.url(host, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(PREFIX + "pemilik")
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(server.url(host, "/"))

    # ... opens the application form and fills it in.
    page.goto(server.url(host, "/izin/"))
    page.get_by_test_id("new-permit").click()
    expect(page).to_have_url(server.url(host, "/izin/ajukan/"))
    page.fill("#id_nik", NIK)
    page.fill("#id_business_name", "Keripik Tempe Bu Sri")
    page.wait_for_load_state("load")  # htmx binds the KBLI search once the scripts have run
    page.locator("#id_kbli_code").press_sequentially("10794", delay=30)
    option = page.get_by_role("option", name=re.compile("Industri Kerupuk, Keripik, Peyek"))
    expect(option).to_be_visible()
    option.click()
    expect(page.locator("#id_kbli_code")).to_have_value("10794 — Industri Kerupuk, Keripik, Peyek dan Sejenisnya")
    page.fill("#id_address", "Jl. Mojorejo No. 12")
    # the location is picked by tapping the map (tiles are offline here; the map still answers)
    expect(page.locator("#map-picker .leaflet-container, #map-picker.leaflet-container")).to_have_count(1)
    page.get_by_test_id("map-picker").click(position={"x": 150, "y": 120})
    expect(page.locator("#id_lat")).to_have_value(re.compile(r"^-7\.6\d{4}"))
    expect(page.locator("#id_lng")).to_have_value(re.compile(r"^111\.5\d{4}"))
    expect(page.get_by_test_id("map-picked")).not_to_have_text("—")
    page.fill("#id_capital", "8000000")
    page.fill("#id_workers", "1")
    page.fill("#id_products", "Keripik tempe original dan pedas")
    page.set_input_files("#id_ktp_scan", files=[{"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    page.set_input_files("#id_premises_photo", files=[{"name": "warung.png", "mimeType": "image/png", "buffer": PNG}])
    _no_sideways_overflow(page)
    page.screenshot(path=str(shots / "permits-apply-phone.png"), full_page=True)
    page.get_by_test_id("submit-now").click()

    # The application is submitted; the NIK shows masked only.
    expect(page.get_by_test_id("permit-status")).to_have_text("Menunggu rekomendasi RT/RW")
    expect(page.get_by_test_id("nik-masked")).to_have_text(NIK_MASKED)
    assert NIK not in page.content()
    match = re.search(r"/izin/(\d+)/$", page.url)
    assert match, page.url
    permit_id = int(match.group(1))

    # The RT head, staff and lurah act (their own pages are covered by tests/permits).
    tenant = tenants.a
    with tenant:
        permit = Permit.objects.get(pk=permit_id)
        assert permit.lat is not None and permit.ktp_scan_type == "image/jpeg"
        services.recommend(permit, izin["rt"], "Usaha benar ada di RT 01")
        services.verify(permit, izin["staf"])
        number = services.approve(permit, izin["lurah"]).number  # nothing pending: issued at once
    assert number

    # The owner sees the issued permit, its history, and downloads the PDF.
    page.reload()
    expect(page.get_by_test_id("permit-status")).to_have_text("Terbit")
    expect(page.get_by_test_id("permit-number")).to_have_text(number)
    expect(page.get_by_test_id("event-recommend")).to_contain_text("Usaha benar ada di RT 01")
    expect(page.get_by_test_id("event-issue")).to_be_visible()
    _no_sideways_overflow(page)
    page.screenshot(path=str(shots / "permits-issued-phone.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("download-pdf").click()
    download = download_info.value
    assert download.suggested_filename.startswith("izin-usaha-503-") and download.suggested_filename.endswith(".pdf")
    pdf = Path(download.path()).read_bytes()
    assert pdf.startswith(b"%PDF-") and number.encode() in pdf and NIK.encode() not in pdf
    verify_url = page.get_by_test_id("verification-link").get_attribute("href")
    assert verify_url and verify_url.startswith(server.url(host, "/izin/verifikasi/"))
    assert f"/URI ({verify_url})".encode() in pdf  # the QR code's link in the PDF

    # Anyone who scans the QR code sees the permit is valid.
    page.goto(verify_url)
    expect(page.get_by_test_id("verify-status")).to_have_text("BERLAKU")
    expect(page.get_by_test_id("verify-number")).to_have_text(number)
    expect(page.get_by_test_id("verify-owner")).to_have_text("S** R*****")
    _no_sideways_overflow(page)
    page.screenshot(path=str(shots / "permits-verify-phone.png"), full_page=True)
