"""HTMX pages: filing, following, the public list and map (with no personal data)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from apps.reports import services
from apps.reports.models import Report, ReportSettings
from tests.conftest import PASSWORD
from tests.reports.conftest import World, png

pytestmark = pytest.mark.django_db


def _login(client: Client, username: str) -> Client:
    assert client.post("/akun/masuk/", {"username": username, "password": PASSWORD}).status_code == 302
    return client


def _personal(world: World) -> list[str]:
    return [world.warga.username, world.warga.full_name, world.warga.email, "081299998888", "Pak Rahasia"]


def test_public_pages_show_no_personal_data(client_a: Client, world: World, media: Path) -> None:
    world.warga.phone = "081299998888"
    world.warga.save()
    report = world.file(photos=[png()], description="Sampah menumpuk di gang buntu")
    ReportSettings.objects.create(pk=1, allow_anonymous=True)
    lat, lng = world.point(20, 20)
    services.submit_report(
        category="sampah", description="Ada bangkai", lat=lat, lng=lng, contact_name="Pak Rahasia", reporter=None
    )
    services.me_too(report, world.tetangga)
    pages = [
        "/laporan/",
        f"/laporan/{report.code}/",
        f"/laporan/{report.code}/status/",
        "/laporan/peta/",
        "/laporan/peta/data.geojson",
        "/api/v1/reports/",
        f"/api/v1/reports/{report.code}/",
        f"/api/v1/reports/{report.code}/updates/",
        "/open311/v2/requests.json",
    ]
    for url in pages:
        response = client_a.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in [*_personal(world), world.tetangga.username, world.tetangga.full_name]:
            assert secret not in body, (url, secret)
    assert "Sampah menumpuk di gang buntu" in client_a.get(f"/laporan/{report.code}/").content.decode()


def test_list_filters_and_htmx_partial(client_a: Client, world: World) -> None:
    now = timezone.now()
    old = world.file(world.sampah, now=now - timedelta(days=40), description="Sampah lama")
    road = world.file(world.jalan, description="Jalan berlubang")
    services.resolve(old, world.admin, "Beres")
    body = client_a.get("/laporan/").content.decode()
    assert old.code in body and road.code in body
    by_category = client_a.get("/laporan/", {"category": "jalan-rusak"}).content.decode()
    assert road.code in by_category and old.code not in by_category
    closed = client_a.get("/laporan/", {"status": "closed"}).content.decode()
    assert old.code in closed and road.code not in closed
    recent = client_a.get("/laporan/", {"date_from": (now - timedelta(days=7)).date().isoformat()}).content.decode()
    assert road.code in recent and old.code not in recent
    partial = client_a.get("/laporan/", {"status": "open"}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and road.code in partial
    bad = client_a.get("/laporan/", {"date_from": "kemarin"})
    assert bad.status_code == 200 and road.code in bad.content.decode()  # an invalid filter is ignored


def test_geojson_is_filtered_and_has_points(client_a: Client, world: World) -> None:
    road = world.file(world.jalan, north=100)
    world.file(world.sampah)
    data = client_a.get("/laporan/peta/data.geojson", {"category": "jalan-rusak"}).json()
    assert data["type"] == "FeatureCollection"
    [feature] = data["features"]
    assert feature["properties"]["code"] == road.code and feature["properties"]["open"] is True
    lng, lat = feature["geometry"]["coordinates"]
    assert lat == pytest.approx(float(road.lat)) and lng == pytest.approx(float(road.lng))
    page = client_a.get("/laporan/peta/", {"category": "jalan-rusak"}).content.decode()
    assert "data.geojson?category=jalan-rusak" in page and "vendor/leaflet/leaflet.js" in page


def test_filing_from_the_page(client_a: Client, world: World, media: Path) -> None:
    ReportSettings.objects.create(pk=1, allow_anonymous=False)
    assert client_a.get("/laporan/baru/")["Location"].startswith("/akun/masuk/")
    _login(client_a, world.warga.username)
    form = client_a.get("/laporan/baru/").content.decode()
    assert 'id="location-picker"' in form and "data-map-gps" in form and "vendor/leaflet/leaflet.js" in form
    assert "/static/js/map-picker.js" in form and "reports/reports.js" not in form  # the one shared picker
    assert 'hx-get="/laporan/baru/serupa/"' in form
    fields = client_a.get("/laporan/baru/pertanyaan/", {"category": "jalan-rusak"}).content.decode()
    assert 'name="attribute[tingkat]"' in fields and "Tingkat kerusakan" in fields

    lat, lng = world.point(50, 50)
    response = client_a.post(
        "/laporan/baru/",
        {
            "category": "jalan-rusak",
            "description": "Lubang di depan masjid",
            "lat": lat,
            "lng": lng,
            "attribute[tingkat]": "sedang",
            "photos": [png()],
        },
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert response["Location"] == f"/laporan/{report.code}/"
    assert report.reporter == world.warga and report.source == "web" and report.photos.count() == 1
    detail = client_a.get(response["Location"]).content.decode()
    assert 'data-testid="report-status">Baru<' in detail and "Laporan diterima" in detail
    assert "Tingkat kerusakan: <strong>Sedang</strong>" in detail
    mine = client_a.get("/laporan/saya/").content.decode()
    assert report.code in mine and "Laporan diterima" in mine


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lat": "", "lng": ""}, "Tentukan lokasi di peta, pakai GPS, atau tuliskan patokan lokasinya."),
        ({"category": "tidak-ada"}, "Kategori “tidak-ada” tidak dikenal."),
        ({"photos": "big"}, "lebih dari 5 MB"),
        ({"photos": "gif"}, "bukan JPEG atau PNG"),
        ({"attribute[tingkat]": ""}, "Tingkat kerusakan"),
    ],
)
def test_bad_input_on_the_page_is_a_clear_error_and_nothing_is_saved(
    client_a: Client, world: World, media: Path, change: dict[str, str], message: str
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    _login(client_a, world.warga.username)
    lat, lng = world.point()
    data: dict[str, object] = {
        "category": "jalan-rusak",
        "description": "Lubang",
        "lat": lat,
        "lng": lng,
        "attribute[tingkat]": "ringan",
    }
    data.update(change)
    if data.get("photos") == "big":
        data["photos"] = [png(size=5 * 1024 * 1024 + 10)]
    elif data.get("photos") == "gif":
        data["photos"] = [SimpleUploadedFile("x.png", b"GIF89a" + b"\x00" * 20, content_type="image/png")]
    response = client_a.post("/laporan/baru/", data)
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Report.objects.exists()


def test_anonymous_filing_when_allowed(client_a: Client, world: World) -> None:
    ReportSettings.objects.create(pk=1, allow_anonymous=True)
    form = client_a.get("/laporan/baru/").content.decode()
    assert 'name="contact_phone"' in form
    lat, lng = world.point()
    response = client_a.post(
        "/laporan/baru/",
        {"category": "sampah", "description": "Sampah", "lat": lat, "lng": lng, "contact_phone": "0812-3456-7890"},
    )
    assert response.status_code == 302
    report = Report.objects.get()
    assert report.reporter is None and report.contact_phone == "0812-3456-7890"
    assert response["Location"].startswith("/laporan/lacak/")
    tracking = client_a.get(response["Location"]).content.decode()
    assert report.code in tracking and "3456" not in tracking


def test_reporter_reopens_from_the_page(client_a: Client, world: World) -> None:
    report = world.file()
    services.resolve(report, world.admin, "Sudah diangkut")
    _login(client_a, world.warga.username)
    page = client_a.get(f"/laporan/{report.code}/").content.decode()
    assert "Buka kembali" in page and "tutup laporan" in page
    response = client_a.post(f"/laporan/{report.code}/tindakan/", {"action": "reopen", "note": "Masih menumpuk"})
    assert response.status_code == 302
    assert Report.objects.get(pk=report.pk).status == Report.Status.REOPENED


def test_photo_is_served_with_its_type(client_a: Client, world: World, media: Path) -> None:
    report = world.file(photos=[png()])
    photo = report.photos.get()
    response = client_a.get(f"/laporan/foto/{photo.uuid}/")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")  # type: ignore[attr-defined]
    assert client_a.get("/laporan/foto/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert client_a.get("/laporan/LP-TIDAKADA/").status_code == 404


def test_photos_chosen_before_an_error_are_asked_for_again(client_a: Client, world: World, media: Path) -> None:
    """A refused report cannot keep the photos (the input takes several, for guests too): the page
    says, next to the input, to choose them again."""
    _login(client_a, world.warga.username)
    lat, lng = world.point()
    data = {"category": "jalan-rusak", "description": "", "lat": lat, "lng": lng, "photos": [png()]}
    page = client_a.post("/laporan/baru/", data)
    assert page.status_code == 422
    assert 'data-testid="lost-photos"' in page.content.decode()
    assert 'data-testid="lost-photos"' not in client_a.post("/laporan/baru/", {**data, "photos": []}).content.decode()
