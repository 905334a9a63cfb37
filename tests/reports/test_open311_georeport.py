"""The PyPI `georeport` client (a GeoReport v2 wrapper written by others) reads this
endpoint: its `requests` calls are routed to the in-process app, so nothing leaves the
machine. It only reads (it has no POST), in JSON and in XML."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import georeport.georeport as georeport_module
import pytest
from django.test import Client
from django.utils import timezone
from georeport import GeoReport

from tests.reports.conftest import World

pytestmark = pytest.mark.django_db
ROOT = "http://mojorejo.localhost/open311/v2"


class _Answer:
    def __init__(self, response: Any) -> None:
        self.status_code = response.status_code
        self.content = response.content
        self._response = response

    def json(self) -> Any:
        return self._response.json()

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise RuntimeError(f"HTTP {self.status_code}: {self.content[:200]!r}")


@pytest.fixture
def routed(client_a: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def get(url: str, params: dict[str, str] | None = None, **_: Any) -> _Answer:
        return _Answer(client_a.get(urlsplit(url).path, params or {}))

    monkeypatch.setattr(georeport_module.requests, "get", get)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_reads_services_and_requests(routed: None, world: World, fmt: str) -> None:
    client = GeoReport(ROOT, jurisdiction="mojorejo.localhost", output_format=fmt)
    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {"jalan-rusak", "sampah", "keamanan"}
    definition = client.get_service_definition("jalan-rusak")
    assert definition["service_code"] == "jalan-rusak"

    second = (timezone.now() - timedelta(hours=1)).replace(microsecond=0)
    first = world.file(world.sampah, now=second + timedelta(microseconds=100))
    last = world.file(world.sampah, now=second + timedelta(microseconds=900_000))
    shown = second.isoformat().replace("+00:00", "Z")
    found = client.get_service_requests(start_date=shown, end_date=shown)
    rows = found if isinstance(found, list) else [found]  # xmltodict gives one item as a dict
    assert [r["service_request_id"] for r in rows] == [last.code, first.code]
    one = client.get_service_request(first.code)
    assert one["service_request_id"] == first.code and one["status"] == "open"


def test_another_jurisdiction_is_refused_to_the_georeport_client(routed: None, world: World) -> None:
    client = GeoReport(ROOT, jurisdiction="pandean.localhost")
    with pytest.raises(RuntimeError, match="HTTP 404"):
        client.get_service_list()
