"""Antar end to end on a phone (390×844): a routed delivery; the courier picks it up and delivers
it with the buyer's code; the buyer's tracking page shows it delivered."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.fulfillment import services
from apps.fulfillment.models import Delivery
from tests.browser import scenes
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

STAFF = "browser-antar-staf"
SHOP = "browser-antar-sri"
BUYER = "browser-antar-joko"
COURIER = "browser-antar-andi"
USERS = [STAFF, SHOP, BUYER, COURIER]
HOST = "mojorejo.localhost"


@dataclass
class Scene:
    code: str
    otp: str
    session_keys: list[str]


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer, settings: Any, daytime: datetime) -> Iterator[Scene]:
    """Committed in Mojorejo: a hub, courier Andi on a motor, Bu Sri's shop and a packed hub
    order of Pak Joko's, sent through the hub and routed (from 10:00: see `daytime`). Removed afterwards."""
    settings.FULFILLMENT_SOLVER_SECONDS = 2.0
    scenes.clean_up(tenants.a, USERS, fulfillment=True)
    with tenants.a:
        staff = scenes.person(STAFF, "Petugas", Role.ADMIN, staff=True)
        sri = scenes.person(SHOP, "Sri Rahayu", Role.PEMILIK_UMKM)
        joko = scenes.person(BUYER, "Joko Santoso", Role.WARGA)
        andi = scenes.person(COURIER, "Andi Kurir", Role.KURIR)
        _shop, (nasi,) = scenes.shop_with_products(
            sri, [("Nasi pecel", "ANTAR-NASI", 12_000, 5)], name="Pecel Bu Sri (antar)", hub_delivery=True
        )
        hub, _andi = scenes.hub_with_courier(staff, andi, code="hub-browser")
        delivery = scenes.routed(scenes.hub_order(joko, sri, nasi, picked=(-7.6401, 111.5361)), hub, staff)
        made_scene = Scene(code=delivery.code, otp=services.otp_for(delivery), session_keys=[])
    connection.set_schema_to_public()
    try:
        yield made_scene
    finally:
        scenes.clean_up(tenants.a, USERS, made_scene.session_keys, fulfillment=True)


def test_courier_delivers_and_buyer_sees_it_delivered(
    scene: Scene, tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    page.set_viewport_size(PHONE)
    scenes.sign_in(page, server, HOST, COURIER, scene.session_keys)
    page.goto(server.url(HOST, "/antar/kurir/"))
    assert page.locator(".leaflet-container").count() == 1  # the vendored map is on the page
    page.screenshot(path=str(results_dir(request.config) / "fulfillment-courier-phone.png"), full_page=True)
    page.get_by_test_id(f"pickup-{scene.code}").click()  # HTMX swaps the stop list
    page.get_by_text("Barang sudah diambil.").wait_for()
    page.get_by_test_id(f"cod-received-{scene.code}").check()  # a COD order: the cash was received
    page.get_by_test_id(f"otp-{scene.code}").fill(scene.otp)
    page.get_by_test_id(f"deliver-{scene.code}").click()
    page.wait_for_load_state("networkidle")
    assert "Antaran selesai" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]

    scenes.sign_in(page, server, HOST, BUYER, scene.session_keys)
    page.goto(server.url(HOST, f"/antar/lacak/{scene.code}/"))
    assert page.get_by_test_id("delivery-status").inner_text() == "Sudah sampai"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(results_dir(request.config) / "fulfillment-tracking-phone.png"), full_page=True)
    with tenants.a:
        delivery = Delivery.objects.select_related("order").get(code=scene.code)
        assert delivery.status == Delivery.Status.DELIVERED and delivery.order.status == "delivered"
    connection.set_schema_to_public()
