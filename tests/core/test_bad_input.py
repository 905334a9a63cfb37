"""The attacks that answered 500 (or were accepted), each replayed: every one now gets a clear
4xx with the usual error body and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.core.api.parsers import json_depth, loads
from apps.core.text import clean_data, clean_text
from apps.reports import services as reports
from apps.reports.models import Report
from tests.images import png_bomb
from tests.reports.conftest import World

pytestmark = pytest.mark.django_db

CONTROL = "\x01\x0b\x1f\ufffe"


def _auth(user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {issue_token(user).key}"}


def _error(response: object, status: int, code: str | None = None) -> dict[str, object]:
    assert response.status_code == status, response.content  # type: ignore[attr-defined]
    body = response.json()["error"]  # type: ignore[attr-defined]
    assert set(body) == {"code", "message", "details"} and body["message"]
    if code:
        assert body["code"] == code
    return body  # type: ignore[no-any-return]


def _report_data(world: World, **change: object) -> dict[str, object]:
    lat, lng = world.point(30, 30)
    return {"category": "sampah", "description": "Sampah menumpuk", "lat": lat, "lng": lng, **change}


# --- NUL bytes -------------------------------------------------------------------------------


def test_nul_in_query_string_is_400_even_anonymously(client_a: Client, world: World) -> None:
    _error(client_a.get("/api/v1/reports/nearby/?category=sampah%00&lat=1&lng=1"), 400, "nul_byte")
    _error(client_a.get("/api/v1/reports/categories/", {"x\x00": "1"}), 400, "nul_byte")
    page = client_a.get("/laporan/?q=%00")
    assert page.status_code == 400 and "NUL" in page.content.decode() and page["Content-Type"].startswith("text/html")
    assert client_a.get("/laporan/%00/").status_code == 400  # in the path
    assert client_a.get("/open311/v2/requests.xml?service_code=%00").status_code == 400
    _error(client_a.get("/open311/v2/requests.json?service_code=%00"), 400, "nul_byte")


def test_nul_in_idempotency_key_is_400_and_nothing_written(client_a: Client, world: World) -> None:
    from apps.payments.models import JournalEntry

    before = JournalEntry.objects.count()
    response = client_a.post(
        "/api/v1/payments/topups/",
        {"amount": 10_000},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="kunci\x00satu",
        **_auth(world.warga),
    )
    _error(response, 400, "nul_byte")
    assert JournalEntry.objects.count() == before


def test_nul_in_json_and_form_fields_is_400_and_nothing_written(client_a: Client, world: World) -> None:
    auth = _auth(world.warga)
    as_json = client_a.post(
        "/api/v1/reports/",
        json.dumps(_report_data(world, description="Sampah\x00")),
        content_type="application/json",
        **auth,
    )
    _error(as_json, 400)
    as_form = client_a.post("/api/v1/reports/", _report_data(world, description="Sampah\x00"), **auth)
    _error(as_form, 400, "nul_byte")
    client_a.force_login(world.warga)
    page = client_a.post("/laporan/baru/", _report_data(world, description="Sampah\x00"))
    assert page.status_code == 400
    assert not Report.objects.exists()


# --- sizes, depth, numbers ---------------------------------------------------------------------


def test_deep_json_is_400(client_a: Client, world: World) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    response = client_a.post("/api/v1/reports/", deep, content_type="application/json", **_auth(world.warga))
    assert "terlalu dalam" in str(_error(response, 400)["message"])
    just_over = json.dumps(_report_data(world, attributes=json.loads("[" * 40 + "]" * 40)))
    _error(client_a.post("/api/v1/reports/", just_over, content_type="application/json", **_auth(world.warga)), 400)
    assert not Report.objects.exists()


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_non_finite_json_numbers_are_400(client_a: Client, world: World, number: str) -> None:
    body = '{"category": "sampah", "description": "x", "lat": ' + number + ', "lng": 111.5}'
    _error(client_a.post("/api/v1/reports/", body, content_type="application/json", **_auth(world.warga)), 400)
    assert not Report.objects.exists()


@pytest.mark.parametrize(("lat", "lng"), [("1e308", "111.5"), ("-7.6", "-inf"), ("nan", "111.5"), ("9" * 40, "1")])
def test_out_of_range_coordinates_are_422(client_a: Client, world: World, lat: str, lng: str) -> None:
    data = _report_data(world, lat=lat, lng=lng)
    api = client_a.post("/api/v1/reports/", data, **_auth(world.warga))
    _error(api, api.status_code)  # the usual body
    assert api.status_code in (400, 422)  # the serializer's FloatField (400) or the service (422)
    nearby = client_a.get("/api/v1/reports/nearby/", {"category": "sampah", "lat": lat, "lng": lng})
    assert 400 <= nearby.status_code < 500
    client_a.force_login(world.warga)
    assert client_a.post("/laporan/baru/", data).status_code == 422
    assert not Report.objects.exists()


def test_whole_numbers_past_bigint_are_400(client_a: Client, world: World) -> None:
    body = json.dumps({**_report_data(world), "lat": 10**30})
    error = _error(client_a.post("/api/v1/reports/", body, content_type="application/json", **_auth(world.warga)), 400)
    assert "terlalu besar" in str(error["message"])
    assert not Report.objects.exists()


def test_a_value_the_database_refuses_is_422_not_500(rf: Any) -> None:
    """The safety net behind every check: DataError (e.g. an amount past bigint in a form
    field) is bad input."""
    from django.db import DataError

    from apps.core.api.errors import exception_handler
    from apps.core.input_guard import InputGuardMiddleware

    api = exception_handler(DataError("bigint out of range"), {})
    assert api is not None and api.status_code == 422 and api.data["error"]["code"] == "out_of_range"
    page = InputGuardMiddleware(lambda request: HttpResponse()).process_exception(
        rf.post("/kas/"), DataError("bigint out of range")
    )
    assert page is not None and page.status_code == 422 and "jangkauan" in page.content.decode()
    assert InputGuardMiddleware(lambda request: HttpResponse()).process_exception(rf.get("/"), KeyError()) is None


def test_huge_page_number_is_a_4xx(client_a: Client, world: World) -> None:
    response = client_a.get("/api/v1/reports/", {"page": 10**30}, **_auth(world.admin))
    assert 400 <= response.status_code < 500


def test_too_large_body_is_413(client_a: Client, world: World, settings: object) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024  # type: ignore[attr-defined]
    settings.KOTAKITA_MAX_REQUEST_BYTES = 4096  # type: ignore[attr-defined]
    big = json.dumps(_report_data(world, description="x" * 2000))
    _error(
        client_a.post("/api/v1/reports/", big, content_type="application/json", **_auth(world.warga)),
        413,
        "request_too_large",
    )
    client_a.force_login(world.warga)
    page = client_a.post("/laporan/baru/", _report_data(world, photos=[SimpleUploadedFile("a.png", b"x" * 5000)]))
    assert page.status_code == 413 and "terlalu besar" in page.content.decode()
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b'--other\r\nContent-Disposition: form-data; name="description"\r\n\r\nx\r\n--other--\r\n',
        b'--b\r\nContent-Disposition: form-data; name="description"\r\n\r\nSampah yang terpot',
        b'--b\r\nContent-Disposition: form-data; name="photos"; filename="a.png"\r\nContent-Type: image/png',
    ],
)
def test_malformed_multipart_is_400(client_a: Client, world: World, body: bytes) -> None:
    response = client_a.post(
        "/api/v1/reports/", body, content_type="multipart/form-data; boundary=b", **_auth(world.warga)
    )
    assert 400 <= response.status_code < 500, response.content
    client_a.force_login(world.warga)
    page = client_a.post("/laporan/baru/", body, content_type="multipart/form-data; boundary=b")
    assert 400 <= page.status_code < 500
    assert not Report.objects.exists()


def test_multipart_without_boundary_is_400(client_a: Client, world: World) -> None:
    client_a.force_login(world.warga)
    page = client_a.post("/laporan/baru/", b"whatever", content_type="multipart/form-data")
    assert page.status_code == 400 and "rusak" in page.content.decode()


# --- images ------------------------------------------------------------------------------------


def test_decompression_bomb_png_is_refused(client_a: Client, world: World, media: Path) -> None:
    bomb = png_bomb(20_000, 20_000)
    assert len(bomb) < 64 * 1024  # tiny on the wire, 1.2 GB once decoded
    photo = SimpleUploadedFile("bom.png", bomb, content_type="image/png")
    body = _error(client_a.post("/api/v1/reports/", _report_data(world, photos=[photo]), **_auth(world.warga)), 422)
    assert body["code"] == "image_too_large" and "megapiksel" in str(body["message"])
    client_a.force_login(world.warga)
    photo.seek(0)
    page = client_a.post("/laporan/baru/", _report_data(world, photos=[photo]))
    assert page.status_code == 422 and "megapiksel" in page.content.decode()
    assert not Report.objects.exists()


def test_image_pillow_cannot_parse_is_refused(client_a: Client, world: World, media: Path) -> None:
    fake = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, content_type="image/png")
    body = _error(client_a.post("/api/v1/reports/", _report_data(world, photos=[fake]), **_auth(world.warga)), 422)
    assert body["code"] == "image_unreadable"
    assert not Report.objects.exists()


# --- control characters ------------------------------------------------------------------------


def test_control_characters_are_stripped_on_every_way_in(client_a: Client, world: World, tenant_a: object) -> None:
    description = f"Got{CONTROL}ong\tbau\nsekali"
    expected = "Gotong\tbau\nsekali"
    api = client_a.post("/api/v1/reports/", _report_data(world, description=description), **_auth(world.warga))
    assert api.status_code == 201, api.content
    as_json = client_a.post(
        "/api/v1/reports/",
        json.dumps(_report_data(world, description=description)),
        content_type="application/json",
        **_auth(world.tetangga),
    )
    assert as_json.status_code == 201, as_json.content
    raw_key = reports.create_api_key(name="Integrator")[1]
    open311 = client_a.post(
        "/open311/v2/requests.json",
        {"api_key": raw_key, "service_code": "sampah", "description": description, "address_string": "Jl. A\x02"},
    )
    assert open311.status_code == 201, open311.content
    client = Client(HTTP_HOST=client_a.defaults["HTTP_HOST"])
    client.force_login(world.ketua_rt)
    page = client.post("/laporan/baru/", _report_data(world, description=description))
    assert page.status_code == 302, page.content
    assert Report.objects.count() == 4
    assert set(Report.objects.values_list("description", flat=True)) == {expected}
    assert Report.objects.get(source=Report.Source.OPEN311).address == "Jl. A"
    ElementTree.fromstring(client_a.get("/open311/v2/requests.xml").content)  # noqa: S314 - our own answer


def test_open311_xml_stays_well_formed_for_rows_stored_before(client_a: Client, world: World) -> None:
    report = reports.submit_report(
        category="sampah", description="lama", lat=world.lat, lng=world.lng, reporter=world.warga
    )
    Report.objects.filter(pk=report.pk).update(description="rusak\x01\x0b\x1f", address="Jl.\x0c B")
    document = ElementTree.fromstring(client_a.get("/open311/v2/requests.xml").content)  # noqa: S314
    assert document.find("request/description").text == "rusak"  # type: ignore[union-attr]
    assert document.find("request/address").text == "Jl. B"  # type: ignore[union-attr]


def test_clean_text_helpers() -> None:
    assert clean_text("a\x00b\x01c\x08d\x0be\x0cf\x0eg\x1fh\tI\nJ\rK\ufffeL\uffffM\ud800N") == "abcdefgh\tI\nJ\rKLMN"
    assert clean_text("Bahasa 🙂 ñ \u2028") == "Bahasa 🙂 ñ \u2028"
    assert clean_data({"a\x01": ["b\x02", {"c": "d\x1b"}, 1, None]}) == {"a": ["b", {"c": "d"}, 1, None]}
    assert json_depth([[{"a": [1]}]]) == 4 and json_depth(3) == 0
    assert loads('{"x": " a\\u0001 "}') == {"x": " a "}
    assert loads(str(2**63 - 1)) == 2**63 - 1
