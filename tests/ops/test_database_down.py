"""PostgreSQL unreachable: 503 with Retry-After (the API's JSON error body on /api/ and Open311,
a Bahasa Indonesia page elsewhere) instead of Django's HTML 500; back to normal when it returns.

The outage is real: the connection settings point at a loopback port where nothing listens
(as during a PostgreSQL restart), so django-tenants' first query fails to connect."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db import InterfaceError, OperationalError, connection
from django.test import Client

from apps.core.unavailable import unavailable_cause
from tests.conftest import TenantSet
from tests.ops.conftest import free_port


@pytest.fixture
def database(tenants: TenantSet, committed: None) -> Iterator[dict[str, object]]:
    """The live connection settings; restored (and the connection reopened) afterwards."""
    saved = {"HOST": connection.settings_dict["HOST"], "PORT": connection.settings_dict["PORT"]}
    try:
        yield connection.settings_dict
    finally:
        connection.close()
        connection.settings_dict.update(saved)
        connection.set_schema_to_public()


def take_down(settings_dict: dict[str, object]) -> None:
    connection.close()
    settings_dict.update({"HOST": "127.0.0.1", "PORT": str(free_port())})


def test_database_down_answers_503_and_recovers(tenants: TenantSet, database: dict[str, object]) -> None:
    host = TenantSet.host(tenants.a)
    client = Client(HTTP_HOST=host, raise_request_exception=False)
    saved = {"HOST": database["HOST"], "PORT": database["PORT"]}
    assert client.get("/").status_code == 200

    take_down(database)
    api = client.get("/api/v1/me/")
    assert api.status_code == 503
    assert api["Retry-After"] == "30" and api["Content-Type"] == "application/json"
    body = api.json()
    assert body["error"]["code"] == "service_unavailable"
    assert body["error"]["message"].startswith("Layanan sedang tidak tersedia")

    open311 = client.get("/open311/v2/services.json")
    assert open311.status_code == 503 and open311.json()["error"]["code"] == "service_unavailable"

    page = client.get("/", HTTP_ACCEPT="text/html")
    assert page.status_code == 503 and page["Retry-After"] == "30"
    html = page.content.decode()
    assert "Layanan sedang tidak tersedia" in html and "30 detik" in html
    assert "Server Error" not in html

    platform = Client(HTTP_HOST="localhost", raise_request_exception=False).get("/api/v1/tenancy/")
    assert platform.status_code == 503

    # PostgreSQL is back: the next request reconnects by itself.
    connection.close()
    database.update(saved)
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/me/").status_code in (401, 403)


def test_only_dependency_failures_are_503(tenants: TenantSet) -> None:
    try:
        try:
            raise InterfaceError("connection already closed")
        except InterfaceError as inner:
            raise RuntimeError("while rendering") from inner
    except RuntimeError as outer:
        assert isinstance(unavailable_cause(outer), InterfaceError)
    assert isinstance(unavailable_cause(OperationalError("terminating connection")), OperationalError)
    assert unavailable_cause(ValueError("a bug")) is None
    assert unavailable_cause(None) is None
