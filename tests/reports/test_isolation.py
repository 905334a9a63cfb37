"""Tenant isolation of laporan warga: rows, files, pages, API and Open311 of A are not B's."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client
from django.utils import timezone

from apps.reports import services
from apps.reports.models import ReportSettings
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
from tests.reports.conftest import World, png
from tests.reports.open311_client import Open311Client, Open311Error, django_transport

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(world: World, media: Path) -> dict[str, str]:
    """At least one row of every reports model in A."""
    ReportSettings.objects.create(pk=1, allow_anonymous=True)
    _key, raw = services.create_api_key(name="Integrator A")
    report = world.file(world.jalan, photos=[png()], now=timezone.now() - timedelta(days=10))
    services.me_too(report, world.tetangga)
    services.run_sla()
    photo = report.photos.get()
    return {"code": report.code, "token": str(report.token), "key": raw, "photo": str(photo.uuid)}


def test_every_reports_model_written_in_a_is_invisible_in_b(filled: dict[str, str], tenant_b: Tenant) -> None:
    models = list(apps.get_app_config("reports").get_models())
    assert len(models) == 11  # with OpdStaff, the through model of Opd.staff (a row: the world adds one)
    for model in models:
        assert model.objects.exists(), f"{model.__name__} has no row in A"
    with tenant_b:
        for model in models:
            assert not model.objects.exists(), f"{model.__name__} leaks into B"


def test_reports_tables_live_only_in_tenant_schemas(tenant_a: Tenant) -> None:
    tables = {m._meta.db_table for m in apps.get_app_config("reports").get_models() if not m._meta.proxy}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema, table_name FROM information_schema.tables WHERE table_name LIKE 'reports_%'"
        )
        found = cursor.fetchall()
    assert not {t for s, t in found if s == "public"} & tables
    assert tables <= {t for s, t in found if s == tenant_a.schema_name}


def test_pages_and_files_of_a_are_unreachable_from_b(
    filled: dict[str, str], client_a: Client, client_b: Client
) -> None:
    code, photo = filled["code"], filled["photo"]
    assert client_a.get(f"/laporan/{code}/").status_code == 200
    assert client_a.get(f"/laporan/foto/{photo}/").status_code == 200
    assert client_b.get(f"/laporan/{code}/").status_code == 404
    assert client_b.get(f"/laporan/{code}/status/").status_code == 404
    assert client_b.get(f"/laporan/foto/{photo}/").status_code == 404
    assert code not in client_b.get("/laporan/").content.decode()
    assert client_b.get("/laporan/peta/data.geojson").json()["features"] == []
    client_b.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    assert client_b.post(f"/laporan/{code}/tindakan/", {"action": "verify"}).status_code == 404


def test_api_of_a_is_not_b(filled: dict[str, str], client_a: Client, client_b: Client) -> None:
    code = filled["code"]
    assert client_a.get(f"/api/v1/reports/{code}/").status_code == 200
    assert client_b.get(f"/api/v1/reports/{code}/").status_code == 404
    assert client_b.get("/api/v1/reports/").json()["results"] == []
    assert client_b.get("/api/v1/reports/categories/").json() == []
    assert client_b.get("/api/v1/reports/categories/jalan-rusak/").status_code == 404


def test_open311_of_a_is_not_b(filled: dict[str, str], client_a: Client, client_b: Client, world: World) -> None:
    on_a = Open311Client(django_transport(client_a))
    assert on_a.request(filled["code"])["service_request_id"] == filled["code"]
    for fmt in ("json", "xml"):
        on_b = Open311Client(django_transport(client_b), fmt=fmt)
        with pytest.raises(Open311Error) as key_refused:
            on_b.create_request(
                api_key=filled["key"], service_code="jalan-rusak", lat=world.lat, long=world.lng, description="x"
            )
        assert key_refused.value.status == 403  # A's api_key is unknown on B
        with pytest.raises(Open311Error) as not_found:
            on_b.request(filled["code"])
        assert not_found.value.status == 404
        with pytest.raises(Open311Error) as no_token:
            on_b.token(filled["token"])
        assert no_token.value.status == 404
        assert on_b.requests(service_request_id=[filled["code"]]) == []
        assert on_b.requests() == []
        assert on_b.services() == []
