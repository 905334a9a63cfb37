"""HTMX base pages: home with map, language switch, vendored assets (no CDN)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

pytestmark = pytest.mark.django_db


def test_tenant_home_shows_name_region_and_map(client_a: Client) -> None:
    page = client_a.get("/").content.decode()
    assert "Kelurahan Mojorejo" in page
    assert "35.77.03.1001" in page
    assert 'data-lat="-7.637458"' in page and 'data-lng="111.534707"' in page
    assert settings.MAP_TILES_URL in page
    assert "Kota Madiun" in page  # link to its kota tenant


def test_kota_home_lists_its_kelurahan(tenants: object) -> None:
    page = Client(HTTP_HOST="kota-madiun.localhost").get("/").content.decode()
    assert "Kelurahan Mojorejo" in page and "Kelurahan Pandean" in page


def test_indonesian_by_default_english_on_request(client_a: Client) -> None:
    assert ">Masuk<" in client_a.get("/").content.decode()
    english = client_a.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">Sign in<" in english and 'lang="en"' in english


def test_language_switch_sticks(client_a: Client) -> None:
    response = client_a.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Register as a resident or UMKM" in client_a.get("/").content.decode()


def test_every_script_and_stylesheet_is_served_locally(client_a: Client) -> None:
    page = client_a.get("/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', page)
    assert assets, page
    for asset in assets:
        assert asset.startswith("/static/"), asset
        assert (Path(settings.BASE_DIR) / "static" / asset.removeprefix("/static/")).exists(), asset


def test_health_endpoint_is_a_dependency_free_liveness_probe(client_a: Client) -> None:
    # Liveness (apps.observability): answered before the tenant lookup, so no schema in it.
    assert client_a.get("/healthz").json() == {"status": "ok"}
