"""Open311 GeoReport v2 conformance, through a client written from the spec alone."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.reports import services
from apps.reports.models import Report
from tests.reports.conftest import World
from tests.reports.open311_client import Open311Client, Open311Error, django_transport, parse_datetime

pytestmark = pytest.mark.django_db

SPEC = "http://wiki.open311.org/GeoReport_v2"


@pytest.fixture
def api_key(world: World) -> str:
    return services.create_api_key(name="Aplikasi Lapor Kota")[1]


@pytest.fixture(params=["json", "xml"])
def o311(request: pytest.FixtureRequest, client_a: Client, world: World) -> Open311Client:
    return Open311Client(django_transport(client_a), fmt=request.param)


def _norm(value: Any) -> Any:
    """JSON says "" where XML can only say <tag/>: compare them as equal."""
    if isinstance(value, dict):
        return {k: _norm(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_norm(v) for v in value]
    return None if value == "" else value


def test_discovery(o311: Open311Client) -> None:
    doc = o311.discovery()
    parse_datetime(doc["changeset"])
    assert "Mojorejo" in doc["contact"]
    assert doc["key_service"]
    assert doc["max_requests"] == 1000
    [endpoint] = doc["endpoints"]
    assert endpoint["specification"] == SPEC
    assert endpoint["url"].endswith("/open311/v2/") and "mojorejo.localhost" in endpoint["url"]
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}


def test_services_and_definitions_are_the_same_in_json_and_xml(client_a: Client, world: World) -> None:
    as_json = Open311Client(django_transport(client_a), fmt="json")
    as_xml = Open311Client(django_transport(client_a), fmt="xml")
    services_json = as_json.services()
    assert _norm(services_json) == _norm(as_xml.services())
    by_code = {s["service_code"]: s for s in services_json}
    assert set(by_code) == {"jalan-rusak", "sampah", "keamanan"}
    jalan = by_code["jalan-rusak"]
    assert jalan == {
        "service_code": "jalan-rusak",
        "service_name": "Jalan rusak",
        "description": "",
        "metadata": True,
        "type": "realtime",
        "keywords": "jalan, lubang",
        "group": "Infrastruktur",
    }
    assert by_code["sampah"]["metadata"] is False

    definition = as_json.service_definition("jalan-rusak")
    assert _norm(definition) == _norm(as_xml.service_definition("jalan-rusak"))
    assert definition["service_code"] == "jalan-rusak"
    tingkat, lebar = definition["attributes"]
    assert tingkat["code"] == "tingkat" and tingkat["datatype"] == "singlevaluelist"
    assert tingkat["required"] is True and tingkat["variable"] is True and tingkat["order"] == 1
    assert tingkat["values"] == [{"key": "ringan", "name": "Ringan"}, {"key": "sedang", "name": "Sedang"}]
    assert lebar["datatype"] == "number" and lebar["required"] is False and lebar["order"] == 2


def test_unknown_service_definition_is_404_in_the_spec_error_format(o311: Open311Client) -> None:
    with pytest.raises(Open311Error) as caught:
        o311.service_definition("tidak-ada")
    assert caught.value.status == 404
    assert [e["code"] for e in caught.value.errors] == [404]
    assert "tidak-ada" in caught.value.errors[0]["description"]


def test_post_request_needs_a_valid_api_key(o311: Open311Client, world: World, api_key: str) -> None:
    lat, lng = (float(v) for v in world.point(30, 30))
    with pytest.raises(Open311Error) as missing:
        o311.create_request(api_key=None, service_code="sampah", lat=lat, long=lng, description="Sampah")
    assert missing.value.status == 400 and missing.value.errors[0]["code"] == 400
    assert "api_key" in missing.value.errors[0]["description"]
    with pytest.raises(Open311Error) as wrong:
        o311.create_request(api_key="o311_salah", service_code="sampah", lat=lat, long=lng, description="Sampah")
    assert wrong.value.status == 403 and wrong.value.errors == [{"code": 403, "description": "api_key tidak valid."}]
    assert not Report.objects.exists()

    [created] = o311.create_request(
        api_key=api_key,
        service_code="jalan-rusak",
        lat=lat,
        long=lng,
        description="Lubang di depan pasar",
        attributes={"tingkat": "sedang"},
        email="budi@contoh.id",
        first_name="Budi",
        last_name="Santoso",
        phone="081234567890",
        account_id="akun-77",
    )
    request_id = created["service_request_id"]
    assert request_id.startswith("LP-")
    assert created["token"] and "Dinas PUPR" in created["service_notice"]
    assert created["account_id"] == "akun-77"
    report = Report.objects.get(code=request_id)
    assert report.source == Report.Source.OPEN311 and report.attributes == {"tingkat": "sedang"}
    assert report.contact_name == "Budi Santoso" and report.contact_email == "budi@contoh.id"

    fetched = o311.request(request_id)
    assert fetched["service_request_id"] == request_id
    assert fetched["status"] == "open"
    assert fetched["service_code"] == "jalan-rusak" and fetched["service_name"] == "Jalan rusak"
    assert fetched["agency_responsible"] == "Dinas PUPR Kota Madiun"
    assert fetched["description"] == "Lubang di depan pasar"
    assert fetched["lat"] == pytest.approx(lat) and fetched["long"] == pytest.approx(lng)
    requested = parse_datetime(fetched["requested_datetime"])
    assert abs(requested - timezone.now()) < timedelta(minutes=1)
    assert parse_datetime(fetched["expected_datetime"]) - requested == timedelta(hours=72)
    parse_datetime(fetched["updated_datetime"])
    for key in ("address_id", "zipcode", "media_url", "status_notes"):
        assert key in fetched
    # no personal data of the reporter in the public answer
    text = repr(fetched)
    assert "budi" not in text.lower() and "0812" not in text and "akun-77" not in text


def test_unknown_service_code_is_404_missing_is_400_and_nothing_is_created(
    o311: Open311Client, world: World, api_key: str
) -> None:
    lat, lng = (float(v) for v in world.point())
    for code, status in (("tidak-ada", 404), (None, 400)):  # the spec's examples: unknown → 404
        with pytest.raises(Open311Error) as caught:
            o311.create_request(api_key=api_key, service_code=code, lat=lat, long=lng, description="x")
        assert caught.value.status == status
        [error] = caught.value.errors
        assert error["code"] == status and "service_code" in error["description"]
    assert not Report.objects.exists()


def test_post_location_and_attribute_rules(o311: Open311Client, world: World, api_key: str) -> None:
    with pytest.raises(Open311Error) as no_location:
        o311.create_request(api_key=api_key, service_code="sampah", description="Sampah")
    assert no_location.value.status == 400
    with pytest.raises(Open311Error) as no_attribute:
        lat, lng = (float(v) for v in world.point())
        o311.create_request(api_key=api_key, service_code="jalan-rusak", lat=lat, long=lng, description="Lubang")
    assert no_attribute.value.status == 400 and "Tingkat kerusakan" in no_attribute.value.errors[0]["description"]
    assert not Report.objects.exists()
    # The spec allows an address instead of a point.
    [made] = o311.create_request(
        api_key=api_key, service_code="sampah", address_string="Jl. Mojorejo Gg. II", description="Sampah"
    )
    fetched = o311.request(made["service_request_id"])
    assert fetched["address"] == "Jl. Mojorejo Gg. II" and fetched["lat"] is None and fetched["long"] is None


def test_jurisdiction_id_is_checked(client_a: Client, world: World, api_key: str) -> None:
    right = Open311Client(django_transport(client_a), jurisdiction_id="mojorejo.localhost")
    assert right.services()
    lat, lng = (float(v) for v in world.point())
    assert right.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng, description="Sampah")
    for fmt in ("json", "xml"):
        wrong = Open311Client(django_transport(client_a), fmt=fmt, jurisdiction_id="pandean.localhost")
        with pytest.raises(Open311Error) as caught:
            wrong.services()
        assert caught.value.status == 404 and caught.value.errors[0]["code"] == 404


def test_get_requests_filters(o311: Open311Client, world: World) -> None:
    now = timezone.now()
    old = world.file(world.sampah, now=now - timedelta(days=120), description="Lama sekali")
    a = world.file(world.sampah, now=now - timedelta(days=10))
    b = world.file(world.jalan, now=now - timedelta(days=5))
    c = world.file(world.keamanan, now=now - timedelta(days=1))
    services.resolve(b, world.admin, "Sudah ditambal")

    def ids(found: list[dict[str, Any]]) -> list[str]:
        return [r["service_request_id"] for r in found]

    # default: the last 90 days, newest first
    assert ids(o311.requests()) == [c.code, b.code, a.code]
    # service_request_id (comma list) overrides every other filter, even the date window
    assert set(ids(o311.requests(service_request_id=[old.code, a.code], service_code=["keamanan"]))) == {
        old.code,
        a.code,
    }
    assert ids(o311.requests(service_code=["jalan-rusak", "keamanan"])) == [c.code, b.code]
    assert ids(o311.requests(status="open")) == [c.code, a.code]
    assert ids(o311.requests(status="closed")) == [b.code]
    assert ids(o311.requests(start_date=now - timedelta(days=7), end_date=now - timedelta(days=2))) == [b.code]
    assert ids(o311.requests(start_date=now - timedelta(days=200))) == [c.code, b.code, a.code, old.code]
    assert ids(o311.requests(end_date=(now - timedelta(days=100)).isoformat().replace("+00:00", "Z"))) == [old.code]
    closed = o311.request(b.code)
    assert closed["status"] == "closed" and closed["status_notes"] == "Sudah ditambal"
    assert closed["expected_datetime"] is None


@pytest.mark.parametrize(
    ("query", "needle"),
    [
        ({"start_date": "2026-01-01T00:00:00"}, "start_date"),  # no zone
        ({"end_date": "kemarin"}, "end_date"),
        ({"status": "pending"}, "status"),
        ({"start_date": "2026-02-01T00:00:00+07:00", "end_date": "2026-01-01T00:00:00+07:00"}, "start_date"),
    ],
)
def test_bad_filters_are_400(o311: Open311Client, query: dict[str, str], needle: str) -> None:
    with pytest.raises(Open311Error) as caught:
        o311.call("GET", "requests", query)
    assert caught.value.status == 400 and needle in caught.value.errors[0]["description"]


def test_at_most_1000_requests(client_a: Client, world: World) -> None:
    now = timezone.now()
    Report.objects.bulk_create(
        Report(
            code=f"LP-B{i:07d}",
            category=world.sampah,
            description="banyak",
            lat=world.lat,
            lng=world.lng,
            created_at=now - timedelta(minutes=i),
            updated_at=now,
            status_changed_at=now,
        )
        for i in range(1003)
    )
    found = Open311Client(django_transport(client_a)).requests()
    assert len(found) == 1000 and found[0]["service_request_id"] == "LP-B0000000"


def test_tokens(o311: Open311Client, world: World, api_key: str) -> None:
    lat, lng = (float(v) for v in world.point())
    [made] = o311.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng, description="Sampah")
    assert o311.token(made["token"]) == [{"service_request_id": made["service_request_id"], "token": made["token"]}]
    for bad in ("00000000-0000-0000-0000-000000000000", "bukan-token"):
        with pytest.raises(Open311Error) as caught:
            o311.token(bad)
        assert caught.value.status == 404


def test_internal_statuses_map_onto_open_and_closed(client_a: Client, world: World) -> None:
    client = Open311Client(django_transport(client_a))
    first = world.file()
    expected = {
        "open": "open",
        "verified": "open",
        "in_progress": "open",
        "reopened": "open",
        "resolved": "closed",
        "closed": "closed",
        "not_responsible": "closed",
        "duplicate": "closed",
    }
    for status, wire in expected.items():
        report = world.file(north=5)
        Report.objects.filter(pk=report.pk).update(status=status, duplicate_of=first if status == "duplicate" else None)
        assert client.request(report.code)["status"] == wire, status


def test_xml_is_utf8_with_a_declaration_and_format_negotiation(client_a: Client, world: World) -> None:
    plain = client_a.get("/open311/v2/services")
    assert plain["Content-Type"].startswith("text/xml") and plain.content.startswith(b'<?xml version="1.0"')
    assert b"<services><service><service_code>" in plain.content
    asked = client_a.get("/open311/v2/services?format=json")
    assert asked["Content-Type"].startswith("application/json") and asked.json()[0]["service_code"]
    by_accept = client_a.get("/open311/v2/services", HTTP_ACCEPT="application/json")
    assert by_accept["Content-Type"].startswith("application/json")
    unsupported = client_a.get("/open311/v2/services?format=csv")
    assert unsupported.status_code == 400 and b"<errors><error><code>400</code>" in unsupported.content
    assert client_a.delete("/open311/v2/requests.json").json()[0]["code"] == 405


def test_open311_reports_follow_the_same_lifecycle(client_a: Client, world: World, api_key: str) -> None:
    client = Open311Client(django_transport(client_a), fmt="xml")
    lat, lng = (float(v) for v in world.point())
    [made] = client.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng, description="Sampah")
    report = Report.objects.get(code=made["service_request_id"])
    services.start_work(report, world.admin)
    assert client.request(report.code)["status"] == "open"
    services.resolve(report, world.admin, "Sudah diangkut")
    assert client.request(report.code)["status"] == "closed"
    assert client.request(report.code)["status_notes"] == "Sudah diangkut"


def test_post_refuses_too_long_contact_and_media_fields(o311: Open311Client, world: World, api_key: str) -> None:
    """A client's phone, name or media URL past its column is a 400 and no report, never a cut one
    (a cut media URL still looks like a URL, and used to be stored)."""
    lat, lng = (float(v) for v in world.point())
    base = {"api_key": api_key, "service_code": "sampah", "lat": lat, "long": lng, "description": "Sampah"}
    for extra in (
        {"phone": "0812-3456-7890 / 0813-1111-2222 (WA)"},  # 36 characters, the column holds 30
        {"first_name": "N" * 151},
        {"media_url": "https://foto.example.org/" + "a" * 480},  # 505 characters, the column holds 500
    ):
        with pytest.raises(Open311Error) as refused:
            o311.create_request(**base, **extra)
        assert refused.value.status == 400 and "Paling banyak" in refused.value.errors[0]["description"]
    assert not Report.objects.exists()
