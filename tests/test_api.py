"""API base: one error format, pagination, OpenAPI served offline, language negotiation."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import PASSWORD
from tests.filters import assert_refused

pytestmark = pytest.mark.django_db


def test_openapi_schema_and_docs_are_served_without_a_cdn(client_a: Client, platform_client: Client) -> None:
    for client in (client_a, platform_client):
        schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert schema.status_code == 200
        assert schema.json()["openapi"].startswith("3.")
        for path in ("/api/v1/docs/", "/api/v1/redoc/"):
            page = client.get(path).content.decode()
            assert "/static/drf_spectacular_sidecar/" in page
            assert "cdn" not in page.lower()
    platform_paths = platform_client.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/api/v1/tenants/" in platform_paths
    tenant_paths = client_a.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    assert "/api/v1/me/" in tenant_paths and "/api/v1/tenants/" not in tenant_paths


def test_errors_share_one_format_in_both_languages(client_a: Client) -> None:
    anonymous = client_a.get("/api/v1/me/")
    assert anonymous.status_code == 401
    assert set(anonymous.json()["error"]) == {"code", "message", "details"}
    assert anonymous.json()["error"]["message"] == "Data autentikasi tidak diberikan."
    english = client_a.get("/api/v1/me/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "Authentication credentials were not provided."


def test_validation_errors_list_fields(operator_client: Client, tenants: object) -> None:
    response = operator_client.post("/api/v1/tenants/", {"admin_email": "bukan-email"}, content_type="application/json")
    assert response.status_code == 400
    body = response.json()["error"]
    assert body["code"] == "validation_failed"
    assert set(body["details"]) == {"code", "admin_email"}


def test_pagination(operator_client: Client) -> None:
    page = operator_client.get("/api/v1/regions/", {"level": 2, "page_size": 10}).json()
    assert page["count"] == 514
    assert len(page["results"]) == 10
    assert "page=2" in page["next"]


def test_token_auth(client_a: Client) -> None:
    token = client_a.post("/api/v1/auth/token/", {"username": "warga-mojorejo", "password": PASSWORD})
    assert token.status_code == 200
    me = client_a.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    assert me.json()["roles"] == ["warga"]


def test_region_list_filters_narrow_and_refuse_unreadable_values(operator_client: Client) -> None:
    def regions(**params: str) -> list[dict[str, object]]:
        response = operator_client.get("/api/v1/regions/", {"page_size": "500", **params})
        assert response.status_code == 200, response.content
        return list(response.json()["results"])

    madiun = regions(q="madiun", level="2")
    assert {"35.19", "35.77"} <= {r["code"] for r in madiun} and {r["level"] for r in madiun} == {2}
    kecamatan = regions(parent="35.77")
    assert kecamatan and all(str(r["code"]).startswith("35.77.") and r["level"] == 3 for r in kecamatan)
    assert [r["code"] for r in regions(q="35.77", level="3")] == [r["code"] for r in kecamatan]
    for bad in ("kota", "9", "2.5"):
        assert_refused(operator_client.get("/api/v1/regions/", {"level": bad}), "level")
