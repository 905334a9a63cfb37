"""Open311 GeoReport v2 to the letter of the spec: optional 4,000-character description,
api_key in body or query, 404 for an unknown service_code, inclusive second-precision date
windows, documented paging, jurisdiction_id and Idempotency-Key replays."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone

from apps.idempotency.models import IdempotencyRecord
from apps.reports import open311_views, services
from apps.reports.models import Report
from tests.reports.conftest import World
from tests.reports.open311_client import Open311Client, Open311Error, django_transport, parse_datetime

pytestmark = pytest.mark.django_db


@pytest.fixture
def api_key(world: World) -> str:
    return services.create_api_key(name="Aplikasi Lapor Kota")[1]


@pytest.fixture(params=["json", "xml"])
def o311(request: pytest.FixtureRequest, client_a: Client, world: World) -> Open311Client:
    return Open311Client(django_transport(client_a), fmt=request.param)


def _ids(found: list[dict[str, Any]]) -> list[str]:
    return [r["service_request_id"] for r in found]


def test_description_is_optional_and_may_hold_4000_characters(o311: Open311Client, world: World, api_key: str) -> None:
    lat, lng = (float(v) for v in world.point())
    [bare] = o311.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng)
    assert Report.objects.get(code=bare["service_request_id"]).description == ""
    assert o311.request(bare["service_request_id"])["description"] in ("", None)
    longest = "Sampah menumpuk. " * 235 + "x" * 5  # exactly 4,000 characters
    assert len(longest) == 4000
    [full] = o311.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng, description=longest)
    assert o311.request(full["service_request_id"])["description"] == longest
    with pytest.raises(Open311Error) as too_long:
        o311.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng, description=longest + "x")
    assert too_long.value.status == 400 and "4000" in too_long.value.errors[0]["description"]
    assert Report.objects.count() == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_api_key_in_the_query_string_is_accepted(client_a: Client, world: World, api_key: str, fmt: str) -> None:
    form = urlencode({"service_code": "sampah", "address_string": "Jl. Mojorejo Gg. II", "description": "Sampah"})
    answer = client_a.post(
        f"/open311/v2/requests.{fmt}?api_key={api_key}", form, content_type="application/x-www-form-urlencoded"
    )
    assert answer.status_code == 201
    assert Report.objects.get().source == Report.Source.OPEN311
    wrong = client_a.post(
        f"/open311/v2/requests.{fmt}?api_key=o311_salah", form, content_type="application/x-www-form-urlencoded"
    )
    assert wrong.status_code == 403 and Report.objects.count() == 1


def test_discovery_documents_jurisdiction_and_paging(client_a: Client, world: World, api_key: str) -> None:
    doc = Open311Client(django_transport(client_a)).discovery()
    assert doc["jurisdiction_id"] == "mojorejo.localhost"
    assert "page" in doc["paging"] and "max_requests" in doc["paging"]
    as_xml = Open311Client(django_transport(client_a), fmt="xml").discovery()
    assert as_xml["jurisdiction_id"] == "mojorejo.localhost"
    own = Open311Client(django_transport(client_a), jurisdiction_id=doc["jurisdiction_id"])
    assert own.services()
    lat, lng = (float(v) for v in world.point())
    assert own.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng)
    other = Open311Client(django_transport(client_a), jurisdiction_id="pandean.localhost")
    with pytest.raises(Open311Error) as caught:
        other.create_request(api_key=api_key, service_code="sampah", lat=lat, long=lng)
    assert caught.value.status == 404 and Report.objects.count() == 1


def _at(world: World, when: datetime) -> Report:
    return world.file(world.sampah, now=when)


def test_date_window_is_inclusive_to_the_second(o311: Open311Client, world: World) -> None:
    second = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    same = [_at(world, second + timedelta(microseconds=us)) for us in (0, 1, 500_000, 999_999)]
    before = _at(world, second - timedelta(microseconds=1))
    after = _at(world, second + timedelta(seconds=1))
    shown = o311.request(same[-1].code)["requested_datetime"]
    assert parse_datetime(shown) == second  # shown to the second

    newest_first_same = [r.code for r in reversed(same)]
    assert _ids(o311.requests(start_date=shown, end_date=shown)) == newest_first_same
    assert _ids(o311.requests(end_date=shown, start_date=second - timedelta(minutes=1))) == [
        *newest_first_same,
        before.code,
    ]
    assert _ids(o311.requests(start_date=shown)) == [after.code, *newest_first_same]
    # Sub-second digits in a query mean the same second as shown.
    assert _ids(o311.requests(start_date=second + timedelta(microseconds=700_000), end_date=shown)) == (
        newest_first_same
    )


def test_paging_reads_every_request_once_in_a_stable_order(
    client_a: Client, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(open311_views, "MAX_REQUESTS", 3)
    base = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    made = [_at(world, base + timedelta(microseconds=us)) for us in (0, 0, 0, 250_000, 250_000)]
    made += [_at(world, base + timedelta(seconds=s)) for s in (1, 1, 2)]
    expected = [r.code for r in sorted(made, key=lambda r: (r.created_at, r.pk), reverse=True)]
    end = (base + timedelta(seconds=2)).isoformat()
    for fmt in ("json", "xml"):
        client = Open311Client(django_transport(client_a), fmt=fmt)
        pages: list[list[str]] = []
        page = 1
        while True:
            found = client.call("GET", "requests", {"end_date": end, "page": str(page)}).data
            pages.append(_ids(found))
            if len(found) < 3:
                break
            page += 1
        assert [len(p) for p in pages] == [3, 3, 2]
        assert [code for p in pages for code in p] == expected
        assert client.call("GET", "requests", {"end_date": end, "page": "9"}).data in ([], None)
        for bad in ("0", "-1", "dua"):
            with pytest.raises(Open311Error) as caught:
                client.call("GET", "requests", {"page": bad})
            assert caught.value.status == 400 and "page" in caught.value.errors[0]["description"]


def _post(client: Client, fmt: str, form: dict[str, str], key: str | None, **headers: str) -> Any:
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(
        f"/open311/v2/requests.{fmt}",
        urlencode(form),
        content_type="application/x-www-form-urlencoded",
        **extra,
        **headers,
    )


def test_idempotency_key_replays_the_first_answer(client_a: Client, world: World, api_key: str) -> None:
    form = {"api_key": api_key, "service_code": "sampah", "address_string": "Jl. Melati", "description": "Sampah"}
    first = _post(client_a, "json", form, "lapor-1")
    assert first.status_code == 201 and "Idempotency-Replayed" not in first
    again = _post(client_a, "json", form, "lapor-1")
    assert again.status_code == 201 and again["Idempotency-Replayed"] == "true"
    assert again.json() == first.json()
    # The same request in the other format is still the same request: replayed as XML.
    as_xml = _post(client_a, "xml", form, "lapor-1")
    assert as_xml.status_code == 201 and first.json()[0]["service_request_id"].encode() in as_xml.content
    assert Report.objects.count() == 1

    changed = _post(client_a, "json", {**form, "description": "Sampah lain"}, "lapor-1")
    assert changed.status_code == 409
    [error] = changed.json()
    assert error["code"] == 409 and "Idempotency-Key" in error["description"]
    in_english = _post(client_a, "xml", {**form, "description": "x"}, "lapor-1", HTTP_ACCEPT_LANGUAGE="en")
    assert in_english.status_code == 409 and b"<code>409</code>" in in_english.content
    assert Report.objects.count() == 1

    # A failed request leaves no record: the key can be used once the request is fixed.
    failed = _post(client_a, "json", {**form, "service_code": "tidak-ada"}, "lapor-2")
    assert failed.status_code == 404
    assert not IdempotencyRecord.objects.filter(key="lapor-2").exists()
    assert _post(client_a, "json", form, "lapor-2").status_code == 201
    assert Report.objects.count() == 2
    # Without a key every POST files a report, as before.
    assert _post(client_a, "json", form, None).status_code == 201
    assert Report.objects.count() == 3
    too_long = _post(client_a, "json", form, "k" * 201)
    assert too_long.status_code == 400 and Report.objects.count() == 3
