"""Laporan from guests (issue 19): no account, optional contact seen by staff only, a landmark
and RT instead of the map, a honeypot, rate limits per address and per device, a signed
tracking link, status news to the contact; and the staff side: only the actions the status
allows, plain sentences, errors next to their field."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from apps.notifications.models import Channel, Message
from apps.reports import selectors, services
from apps.reports.models import Report
from tests.conftest import PASSWORD

from .conftest import World, png

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str) -> None:
    assert client.post("/akun/masuk/", {"username": username, "password": PASSWORD}).status_code == 302


def _guest_form(world: World, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "category": "sampah",
        "description": "Sampah menumpuk di pojok gang",
        "address": "Gang Mawar, depan pos ronda",
        "rt": str(world.rt.pk),
    }
    data.update(extra)
    return data


@pytest.fixture
def guest_rate(settings: Any) -> Iterator[Any]:
    def apply(rate: str) -> None:
        rates = dict(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"])
        settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {**rates, "report_guest": rate}}

    cache.clear()
    yield apply
    cache.clear()


def test_a_guest_files_with_a_landmark_and_follows_it_by_a_signed_link(
    client_a: Client, world: World, media: Path
) -> None:
    form = client_a.get("/laporan/baru/")
    page = form.content.decode()
    assert form.status_code == 200 and 'name="contact_email"' in page and 'name="homepage"' in page
    assert "tidak pernah ditampilkan kepada warga lain" in page and "RT 05/RW 09" in page

    # one mistake first: no description; the error is next to the description, nothing saved
    missing = client_a.post("/laporan/baru/", _guest_form(world, description=""))
    assert missing.status_code == 422
    assert 'data-testid="description-errors"' in missing.content.decode() and not Report.objects.exists()

    response = client_a.post(
        "/laporan/baru/",
        _guest_form(world, contact_name="Bu Tini", contact_email="tini@contoh.id", photos=[png()]),
    )
    assert response.status_code == 302 and response["Location"].startswith("/laporan/lacak/")
    report = Report.objects.get()
    assert report.reporter is None and report.lat is None and report.rt == world.rt
    assert report.contact_email == "tini@contoh.id" and report.photos.count() == 1 and report.device_id
    tracking = client_a.get(response["Location"]).content.decode()
    assert report.code in tracking and "Gang Mawar" in tracking and "RT 05/RW 09" in tracking
    assert "tini@contoh.id" not in tracking and "Bu Tini" not in tracking
    # the public page and a forged link show no contact / nothing
    assert "tini@contoh.id" not in client_a.get(f"/laporan/{report.code}/").content.decode()
    assert client_a.get("/laporan/lacak/" + selectors.tracking_token(report)[:-2] + "xx/").status_code == 404
    assert client_a.get("/laporan/lacak/", {"code": report.code.lower()})["Location"] == f"/laporan/{report.code}/"
    assert client_a.get("/laporan/lacak/", {"code": "LP-NOPE"}).status_code == 404

    # staff see "Pelapor anonim" with the contact, and handle it the same way
    _login(client_a, world.admin.username)
    staff_page = client_a.get(f"/laporan/{report.code}/").content.decode()
    assert "Pelapor anonim" in staff_page and "tini@contoh.id" in staff_page
    assert "Pelapor anonim" in client_a.get("/laporan/petugas/").content.decode()


def test_no_map_and_no_landmark_is_an_error_next_to_the_location(client_a: Client, world: World) -> None:
    response = client_a.post("/laporan/baru/", _guest_form(world, address="", rt=""))
    page = response.content.decode()
    assert response.status_code == 422 and 'data-testid="address-errors"' in page
    assert "tuliskan patokan lokasinya" in page and not Report.objects.exists()


def test_bad_contact_is_an_error_next_to_it(client_a: Client, world: World) -> None:
    response = client_a.post("/laporan/baru/", _guest_form(world, contact_phone="12", contact_email="bukan-email"))
    page = response.content.decode()
    assert response.status_code == 422
    assert 'data-testid="contact_phone-errors"' in page and 'data-testid="contact_email-errors"' in page
    assert not Report.objects.exists()


def test_the_honeypot_stops_robots(client_a: Client, world: World) -> None:
    response = client_a.post("/laporan/baru/", _guest_form(world, homepage="http://spam.example"))
    assert response.status_code == 400 and not Report.objects.exists()


def test_guests_are_limited_per_address_and_per_device(client_a: Client, world: World, guest_rate: Any) -> None:
    guest_rate("2/min")
    client_a.get("/laporan/baru/")  # the device cookie
    device = client_a.cookies["kk_device"].value
    assert [client_a.post("/laporan/baru/", _guest_form(world)).status_code for _ in range(2)] == [302, 302]
    blocked = client_a.post("/laporan/baru/", _guest_form(world))
    assert blocked.status_code == 429 and int(blocked["Retry-After"]) >= 1
    assert "terlalu banyak laporan" in blocked.content.decode()
    # the same device from another address is still this device
    other = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"], REMOTE_ADDR="10.1.2.3")
    other.cookies["kk_device"] = device
    assert other.post("/laporan/baru/", _guest_form(world)).status_code == 429
    # another device at another address is not limited; signed-in warga are not counted
    assert (
        Client(HTTP_HOST=client_a.defaults["HTTP_HOST"], REMOTE_ADDR="10.9.9.9")
        .post("/laporan/baru/", _guest_form(world))
        .status_code
        == 302
    )
    assert Report.objects.count() == 3


def test_status_news_reach_a_guests_contact_once(world: World) -> None:
    report = services.submit_report(
        category="sampah",
        description="Lampu mati",
        address="Depan balai RW",
        reporter=None,
        contact_email="tini@contoh.id",
        contact_phone="0812-3456-7890",
        require_point=False,
    )
    services.verify(report, world.admin)
    sent = Message.objects.filter(recipient=None).order_by("channel")
    assert {(m.channel, m.address) for m in sent} == {
        (Channel.EMAIL, "tini@contoh.id"),
        (Channel.WHATSAPP, "+6281234567890"),
    }
    assert all(m.url.startswith("/laporan/lacak/") for m in sent)
    assert all(m.url == selectors.tracking_url(report) for m in sent)
    services.add_note(report, world.admin, "Petugas menuju lokasi")  # a note is not a status change
    assert Message.objects.filter(recipient=None).count() == 2


def test_staff_see_only_the_allowed_actions_and_plain_sentences(client_a: Client, world: World) -> None:
    report = world.file()
    _login(client_a, world.admin.username)
    page = client_a.get(f"/laporan/{report.code}/").content.decode()
    assert 'data-testid="action-verify"' in page and 'data-testid="action-close"' not in page

    # resolving without saying what was done: the error sits next to the note, nothing changes
    missing = client_a.post(f"/laporan/{report.code}/tindakan/", {"action": "resolve", "note": ""})
    assert missing.status_code == 422 and 'data-testid="note-errors"' in missing.content.decode()
    assert Report.objects.get(pk=report.pk).status == Report.Status.OPEN

    done = client_a.post(f"/laporan/{report.code}/tindakan/", {"action": "verify"}, follow=True)
    assert "Laporan sudah diverifikasi dan diteruskan ke Kelurahan." in done.content.decode()
    client_a.post(f"/laporan/{report.code}/tindakan/", {"action": "resolve", "note": "Sudah diangkut"})
    page = client_a.get(f"/laporan/{report.code}/").content.decode()
    assert 'data-testid="action-close"' in page and 'data-testid="action-note"' in page
    for hidden in ("verify", "start", "resolve", "not_responsible", "duplicate"):
        assert f'data-testid="action-{hidden}"' not in page
