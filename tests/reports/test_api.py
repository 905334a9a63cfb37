"""DRF API of laporan warga (documented in the OpenAPI schema)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.reports import services
from apps.reports.models import Report
from tests.filters import assert_refused
from tests.reports.conftest import World, png

pytestmark = pytest.mark.django_db


def _auth(client: Client, user: User) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Token {issue_token(user).key}"}


def test_categories_are_public(client_a: Client, world: World) -> None:
    categories = client_a.get("/api/v1/reports/categories/").json()
    assert [c["code"] for c in categories] == ["jalan-rusak", "keamanan", "sampah"]
    jalan = client_a.get("/api/v1/reports/categories/jalan-rusak/").json()
    assert jalan["agency_responsible"] == "Dinas PUPR Kota Madiun" and jalan["sla_hours"] == 72
    assert jalan["attributes"][0]["code"] == "tingkat"


def test_file_follow_and_act_through_the_api(client_a: Client, world: World, media: Path) -> None:
    lat, lng = world.point(40, 0)
    anonymous = client_a.post("/api/v1/reports/", {"category": "sampah", "description": "x", "lat": lat, "lng": lng})
    assert anonymous.status_code == 401

    created = client_a.post(
        "/api/v1/reports/",
        {"category": "sampah", "description": "Sampah di sungai", "lat": lat, "lng": lng, "photos": [png()]},
        **_auth(client_a, world.warga),
    )
    assert created.status_code == 201, created.content
    body = created.json()
    code = body["code"]
    assert body["status"] == "open" and body["open311_status"] == "open" and len(body["photos"]) == 1
    assert body["photos"][0].startswith("http://mojorejo.localhost")
    assert "reporter" not in body and "contact_phone" not in body

    nearby = client_a.get("/api/v1/reports/nearby/", {"category": "sampah", "lat": lat, "lng": lng}).json()
    assert [n["report"]["code"] for n in nearby] == [code] and nearby[0]["distance_m"] == 0

    me_too = client_a.post(f"/api/v1/reports/{code}/me-too/", **_auth(client_a, world.tetangga))
    assert me_too.status_code == 200 and me_too.json()["support_count"] == 1
    assert [r["code"] for r in client_a.get("/api/v1/reports/mine/", **_auth(client_a, world.tetangga)).json()] == [
        code
    ]

    refused = client_a.post(f"/api/v1/reports/{code}/actions/", {"action": "verify"}, **_auth(client_a, world.warga))
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_handler"
    verified = client_a.post(f"/api/v1/reports/{code}/actions/", {"action": "verify"}, **_auth(client_a, world.admin))
    assert verified.status_code == 200 and verified.json()["status"] == "verified"
    wrong = client_a.post(f"/api/v1/reports/{code}/actions/", {"action": "close"}, **_auth(client_a, world.admin))
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "invalid_transition"
    note = client_a.post(
        f"/api/v1/reports/{code}/updates/", {"note": "Truk datang besok"}, **_auth(client_a, world.admin)
    )
    assert note.status_code == 201
    timeline = client_a.get(f"/api/v1/reports/{code}/updates/").json()
    assert [u["to_status"] for u in timeline] == ["open", "verified", ""]
    assert timeline[-1]["note"] == "Truk datang besok" and timeline[-1]["actor"] == "Kelurahan"


def test_bad_input_through_the_api(client_a: Client, world: World) -> None:
    headers = _auth(client_a, world.warga)
    lat, lng = world.point()
    unknown = client_a.post(
        "/api/v1/reports/",
        {"category": "tidak-ada", "description": "x", "lat": lat, "lng": lng},
        content_type="application/json",
        **headers,
    )
    assert unknown.status_code == 422
    assert unknown.json()["error"] == {
        "code": "unknown_category",
        "message": "Kategori “tidak-ada” tidak dikenal.",
        "details": {"field": "category"},
    }
    no_location = client_a.post(
        "/api/v1/reports/", {"category": "sampah", "description": "x"}, content_type="application/json", **headers
    )
    assert no_location.status_code == 422 and no_location.json()["error"]["code"] == "missing_location"
    assert not Report.objects.exists()


def test_report_list_filters(client_a: Client, world: World) -> None:
    a = world.file(world.sampah)
    b = world.file(world.jalan)
    services.resolve(a, world.admin, "Beres")
    codes = [r["code"] for r in client_a.get("/api/v1/reports/", {"status": "open"}).json()["results"]]
    assert codes == [b.code]
    codes = [r["code"] for r in client_a.get("/api/v1/reports/", {"category": "sampah"}).json()["results"]]
    assert codes == [a.code]


def test_openapi_documents_the_reports_api(client_a: Client, world: World) -> None:
    schema = client_a.get("/api/v1/schema/", {"format": "json"}).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/reports/",
        "/api/v1/reports/{code}/",
        "/api/v1/reports/{code}/actions/",
        "/api/v1/reports/{code}/me-too/",
        "/api/v1/reports/{code}/updates/",
        "/api/v1/reports/nearby/",
        "/api/v1/reports/mine/",
        "/api/v1/reports/categories/",
    ):
        assert path in paths, path
    assert "ReportCreateRequest" in schema["components"]["schemas"]
    assert {"category", "status", "date_from", "date_to"} <= {
        p["name"] for p in paths["/api/v1/reports/"]["get"]["parameters"]
    }


def test_report_list_filters_by_day_and_refuses_unreadable_values(client_a: Client, world: World) -> None:
    old = world.file(world.sampah)
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=10))
    new = world.file(world.jalan)
    services.resolve(new, world.admin, "Beres")
    today = timezone.localdate()

    def codes(**params: str) -> list[str]:
        response = client_a.get("/api/v1/reports/", params)
        assert response.status_code == 200, response.content
        return [r["code"] for r in response.json()["results"]]

    assert codes() == [new.code, old.code]
    assert codes(date_from=str(today)) == [new.code]
    assert codes(date_to=str(today - timedelta(days=5))) == [old.code]
    assert codes(status="closed") == [new.code]
    assert codes(status="resolved", category="jalan-rusak") == [new.code]
    assert codes(category="keamanan") == []
    for bad in ({"status": "semua"}, {"date_from": "2026-02-30"}, {"date_to": "06/12/2026"}):
        assert_refused(client_a.get("/api/v1/reports/", bad), *bad)


def test_an_unreadable_filter_is_explained_in_the_requests_language(client_a: Client, world: World) -> None:
    indonesian = assert_refused(client_a.get("/api/v1/reports/", {"date_from": "kemarin"}), "date_from")
    assert indonesian["message"] == "Parameter penyaringan tidak valid."
    assert indonesian["details"] == {"date_from": ["Tanggal harus berformat TTTT-BB-HH, mis. 2026-03-01."]}
    english = client_a.get("/api/v1/reports/", {"date_from": "yesterday", "status": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    details = assert_refused(english, "date_from", "status")["details"]
    assert details["date_from"] == ["Dates must be YYYY-MM-DD, e.g. 2026-03-01."]
    assert details["status"] == ["Select a valid choice. x is not one of the available choices."]
