"""Journey "izin" on a phone (390×844): an UMKM owner finds her KBLI by the word "katering",
fills the application, makes one mistake (the capital in words) and recovers (the page says to
pick the files again), submits; the RT head and staff act (services); the lurah approves on her
phone and the permit is issued in the same step; the owner sees it issued with its certificate."""

from __future__ import annotations

import re
from typing import Any

import pytest

from apps.accounts.models import User
from apps.permits import services
from apps.permits.models import Permit
from tests.browser import scenes
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.browser.test_permits import PREFIX, izin  # noqa: F401  (fixture: committed people, clean-up)
from tests.conftest import TenantSet
from tests.permits.conftest import JPEG, NIK, PNG

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

HOST = "mojorejo.localhost"
CATERING = "56210 — Jasa Boga untuk Suatu Event Tertentu (Event Catering)"


def _sign_in(page: Any, server: LiveServer, username: str) -> None:
    scenes.sign_in(page, server, HOST, PREFIX + username)


def _attach_files(page: Any) -> None:
    page.set_input_files("#id_ktp_scan", files=[{"name": "ktp.jpg", "mimeType": "image/jpeg", "buffer": JPEG}])
    page.set_input_files("#id_premises_photo", files=[{"name": "tempat.png", "mimeType": "image/png", "buffer": PNG}])


def test_izin(izin: dict[str, User], tenants: TenantSet, server: LiveServer, journey: Journey) -> None:  # noqa: F811
    # `izin` comes before `journey` so its DB set-up and clean-up run outside Playwright.
    from playwright.sync_api import expect

    page: Any = journey.page
    _sign_in(page, server, "pemilik")
    page.goto(server.url(HOST, "/izin/"))
    journey.step("izin saya")
    page.get_by_test_id("new-permit").click()
    journey.step("formulir izin")

    # The KBLI field takes words on a text keypad: "katering" lists the catering codes.
    page.fill("#id_nik", NIK)
    page.fill("#id_business_name", "Katering Bu Sri")
    kbli = page.locator("#id_kbli_code")
    assert kbli.get_attribute("inputmode") != "numeric"
    kbli.press_sequentially("katering", delay=30)
    option = page.get_by_role("option", name=re.compile("56210"))
    expect(option).to_be_visible()
    expect(kbli).to_have_attribute("aria-expanded", "true")
    expect(page.get_by_test_id("kbli-hint")).to_contain_text("2 bidang usaha cocok")
    page.get_by_test_id("kbli-hint").scroll_into_view_if_needed()
    journey.step("cari kbli katering")
    option.click()
    expect(kbli).to_have_value(CATERING)
    expect(kbli).to_have_attribute("aria-expanded", "false")

    page.fill("#id_address", "Jl. Mojorejo No. 12")
    page.get_by_test_id("map-picker").click(position={"x": 150, "y": 120})
    expect(page.locator("#id_lat")).to_have_value(re.compile(r"^-7\.6\d{4}"))
    page.fill("#id_capital", "dua puluh juta")  # the mistake: the capital in words
    page.fill("#id_workers", "2")
    page.fill("#id_products", "Nasi kotak, tumpeng dan prasmanan untuk hajatan")
    _attach_files(page)
    page.get_by_test_id("submit-now").click()

    # The error is next to its field; the chosen files were kept and each input says so.
    expect(page.get_by_test_id("error-capital")).to_be_visible()
    expect(page.get_by_test_id("kept-ktp_scan")).to_contain_text("sudah dipilih")
    expect(page.get_by_test_id("kept-premises_photo")).to_be_visible()
    expect(page.get_by_test_id("files-not-kept")).to_have_count(0)
    expect(kbli).to_have_value(CATERING)  # what was typed stays
    page.get_by_test_id("error-capital").scroll_into_view_if_needed()
    journey.step("modal salah, berkas tetap tersimpan")
    page.fill("#id_nik", NIK)  # the NIK is never sent back into a page
    page.fill("#id_capital", "20000000")
    page.get_by_test_id("submit-now").click()  # the kept KTP scan and photo go with it
    expect(page.get_by_test_id("permit-status")).to_have_text("Menunggu rekomendasi RT/RW")
    journey.step("permohonan diajukan")
    match = re.search(r"/izin/(\d+)/$", page.url)
    assert match, page.url
    permit_id = int(match.group(1))

    # The RT head recommends and staff verify (their pages: tests/permits and test_permits.py).
    with tenants.a:
        permit = Permit.objects.get(pk=permit_id)
        assert permit.kbli_code == "56210" and permit.capital == 20_000_000
        services.recommend(permit, izin["rt"], "Usaha benar ada di RT 01")
        services.verify(permit, izin["staf"])

    # The lurah approves on her phone: one button, the permit is issued at once.
    _sign_in(page, server, "lurah")
    page.goto(server.url(HOST, "/izin/antrian/"))
    expect(page.get_by_test_id("queue-item")).to_contain_text("56210 — Jasa Boga")
    journey.step("antrian lurah")
    page.get_by_role("link", name="Katering Bu Sri").click()
    expect(page.get_by_test_id("back-link")).to_have_text("← Antrian kerja")
    expect(page.get_by_test_id("action-issue")).to_have_count(0)
    journey.step("persetujuan lurah")
    page.get_by_test_id("action-approve").click()
    expect(page.get_by_role("status").filter(has_text="disetujui dan terbit")).to_have_text(
        "Izin usaha Katering Bu Sri disetujui dan terbit."
    )
    expect(page.get_by_test_id("permit-status")).to_have_text("Terbit")
    journey.step("izin terbit")

    # The owner sees her permit issued, with its number and the certificate to download.
    _sign_in(page, server, "pemilik")
    page.goto(server.url(HOST, "/izin/"))
    page.get_by_role("link", name="Katering Bu Sri").click()
    expect(page.get_by_test_id("permit-status")).to_have_text("Terbit")
    expect(page.get_by_test_id("permit-number")).to_have_text(re.compile(r"^503/\d{4}/"))
    expect(page.get_by_test_id("download-pdf")).to_be_visible()
    expect(page.get_by_test_id("back-link")).to_have_text("← Izin saya")
    journey.step("sertifikat siap diunduh")
