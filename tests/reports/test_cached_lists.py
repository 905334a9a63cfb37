"""The public report lists are cached (apps.core.cache_scopes) and never show a stale answer
after a write: each test reads a list, changes what it shows the way staff or warga do, and
reads it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from apps.reports import services
from tests.reports.conftest import World, png

pytestmark = pytest.mark.django_db

OPEN311 = "/open311/v2/requests.json"
API = "/api/v1/reports/"


def _open311(client: Client) -> dict[str, dict[str, object]]:
    return {item["service_request_id"]: item for item in client.get(OPEN311).json()}


def test_a_second_read_is_served_from_the_cache(client_a: Client, world: World) -> None:
    world.file()
    client_a.get(OPEN311)
    with CaptureQueriesContext(connection) as captured:
        again = client_a.get(OPEN311)
    assert again.status_code == 200 and len(again.json()) == 1
    assert not [q for q in captured.captured_queries if "reports_report" in q["sql"]]


def test_open311_follows_every_kind_of_write(client_a: Client, world: World, media: Path) -> None:
    first = world.file(world.sampah)
    assert set(_open311(client_a)) == {first.code}

    second = world.file(world.sampah, north=300, photos=[png()])
    listed = _open311(client_a)
    assert set(listed) == {first.code, second.code} and listed[second.code]["media_url"]

    services.verify(first, world.admin)
    assert _open311(client_a)[first.code]["status"] == "open"  # verified is still open in Open311
    services.add_note(first, world.admin, "Petugas sudah dijadwalkan")  # a QuerySet.update() writer
    assert _open311(client_a)[first.code]["status_notes"] == "Petugas sudah dijadwalkan"
    services.resolve(first, world.admin, "Sudah diangkut")
    assert _open311(client_a)[first.code]["status"] == "closed"

    world.sampah.name = "Sampah menumpuk"
    world.sampah.save(update_fields=["name"])  # an admin edit of the category
    assert {item["service_name"] for item in _open311(client_a).values()} == {"Sampah menumpuk"}


def test_api_list_follows_support_and_language(client_a: Client, world: World) -> None:
    report = world.file(world.sampah)
    assert client_a.get(API).json()["results"][0]["support_count"] == 0
    services.me_too(report, world.tetangga)  # a QuerySet.update() writer
    assert client_a.get(API).json()["results"][0]["support_count"] == 1

    indonesian = client_a.get(API).json()["results"][0]["status_label"]
    english = client_a.get(API, HTTP_ACCEPT_LANGUAGE="en").json()["results"][0]["status_label"]
    assert (indonesian, english) == ("Baru", "New")


def test_laporan_page_and_its_partial_follow_new_reports(client_a: Client, world: World) -> None:
    world.file(world.sampah, description="Tumpukan sampah di pojok gang")
    assert "Tumpukan sampah di pojok gang" in client_a.get("/laporan/").content.decode()
    world.file(world.keamanan, north=400, description="Lampu jalan mati sejak kemarin")
    page = client_a.get("/laporan/").content.decode()
    partial = client_a.get("/laporan/", HTTP_HX_REQUEST="true").content.decode()
    for html in (page, partial):
        assert "Lampu jalan mati sejak kemarin" in html and "Tumpukan sampah di pojok gang" in html
    assert "<html" in page and "<html" not in partial
    filtered = client_a.get("/laporan/", {"category": world.keamanan.code}).content.decode()
    assert "Lampu jalan mati sejak kemarin" in filtered and "Tumpukan sampah di pojok gang" not in filtered


def test_a_tenant_never_gets_another_tenants_cached_list(client_a: Client, client_b: Client, world: World) -> None:
    world.file()
    assert len(client_a.get(API).json()["results"]) == 1
    assert client_b.get(API).json()["results"] == []
    assert client_b.get(OPEN311).json() == [] and len(client_a.get(OPEN311).json()) == 1
