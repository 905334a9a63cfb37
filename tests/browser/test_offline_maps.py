"""Maps without a network: when the tile requests fail (here: every non-local request is
aborted, as on a kelurahan office PC offline) or tiles are switched off (MAP_TILES_URL empty),
the map shows the Kota Madiun kelurahan boundaries with their names and a short note instead of
a grey box. The boundaries come from the app itself (/peta/batas-kelurahan.geojson)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer, results_dir
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

NOTE = "Peta dasar tidak dapat dimuat; menampilkan batas wilayah saja."


def _assert_boundaries(page: Any) -> None:
    page.wait_for_selector("#map[data-boundaries='shown']")
    assert page.get_by_test_id("basemap-note").inner_text().strip() == NOTE
    shapes = page.locator("#map .leaflet-overlay-pane path").count()
    assert shapes >= 27  # every kelurahan of Kota Madiun
    labels = page.locator("#map .basemap-label").all_inner_texts()
    assert "Mojorejo" in labels and "Pandean" in labels


def test_failed_tiles_fall_back_to_kelurahan_boundaries(
    tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    tile_requests: list[str] = []
    page.on("requestfailed", lambda r: tile_requests.append(r.url) if "tile" in r.url else None)
    page.goto(server.url(tenants.host(tenants.a), "/"))
    _assert_boundaries(page)
    assert tile_requests, "the tiles were asked for (and failed) before the fallback"
    page.screenshot(path=str(results_dir(request.config) / "offline-map-mojorejo.png"))


def test_empty_tiles_setting_means_boundaries_only(
    tenants: TenantSet, server: LiveServer, page: Any, settings: Any
) -> None:
    settings.MAP_TILES_URL = ""
    asked: list[str] = []
    page.on("request", lambda r: asked.append(r.url) if "tile" in r.url else None)
    page.goto(server.url(tenants.host(tenants.a), "/"))
    _assert_boundaries(page)
    assert asked == []  # no tile server is contacted at all
