"""A warga shops on a phone (390×844): from a product to the checkout, where the delivery point
is picked on the map ("Gunakan lokasi saya") and the delivery fee and total are shown before
ordering; the one mistake (ordering hub delivery without a point) is explained next to the map
and fixed; then the seller sends the order through the hub from the buyer's point, typing no
coordinates (issue 19, problems 1-3)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection
from playwright.sync_api import expect

from apps.accounts.roles import Role
from apps.fulfillment.models import Delivery
from apps.marketplace.models import Order
from tests.browser import scenes
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

STAFF = "belanja-staf"
SHOP = "belanja-sri"
BUYER = "belanja-joko"
USERS = [STAFF, SHOP, BUYER]
HOST = "mojorejo.localhost"
HOME = scenes.HOME  # Pak Joko's house, ~400 m from the hub: the base fee


@dataclass
class Scene:
    product: int
    session_keys: list[str] = field(default_factory=list)


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer) -> Iterator[Scene]:
    """Committed in Mojorejo: Bu Sri's stall offering hub delivery, and a hub with no set hours
    (always open, so the journey does not depend on the hour; closed hubs: test_checkout_quote)."""
    scenes.clean_up(tenants.a, USERS, fulfillment=True)
    with tenants.a:
        staff = scenes.person(STAFF, "Petugas", Role.ADMIN, staff=True)
        sri = scenes.person(SHOP, "Sri Rahayu", Role.PEMILIK_UMKM)
        scenes.person(BUYER, "Joko Santoso", Role.WARGA)
        _shop, (nasi,) = scenes.shop_with_products(sri, [("Nasi pecel", "BELANJA-NASI", 12_000, 9)], hub_delivery=True)
        scenes.hub(staff, code="hub-belanja")
        made_scene = Scene(product=nasi.product_id)
    connection.set_schema_to_public()
    try:
        yield made_scene
    finally:
        scenes.clean_up(tenants.a, USERS, made_scene.session_keys, fulfillment=True)


def test_belanja(scene: Scene, tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    page: Any = journey.page
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": HOME[0], "longitude": HOME[1], "accuracy": 10})
    scenes.sign_in(page, server, HOST, BUYER, scene.session_keys)

    # Pak Joko finds the nasi pecel and puts it in his cart.
    page.goto(server.url(HOST, f"/pasar/produk/{scene.product}/"))
    journey.step("produk")
    page.get_by_test_id("add-to-cart").first.click()
    page.get_by_test_id("checkout").click()
    expect(page).to_have_url(re.compile(r"/pasar/checkout/$"))
    # The URL changes before htmx has wired the quote to the form's changes (a busy machine).
    page.wait_for_load_state()
    select = page.locator("select[name^=delivery_]")
    select.select_option("hub")
    page.fill("#id_address", "Jl. Mojorejo Gg. II No. 3")
    expect(page.get_by_test_id("quote-waiting")).to_be_visible()  # no point yet: no fee to show
    page.get_by_test_id("checkout-map-box").scroll_into_view_if_needed()
    journey.step("checkout pilih antar lewat hub")

    # The mistake: ordering hub delivery before picking the point. Said next to the map.
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("error-location")).to_contain_text("titik antar")
    page.get_by_test_id("error-location").scroll_into_view_if_needed()
    journey.step("titik antar belum dipilih")

    # Fixed with "Gunakan lokasi saya": the point is set and the fee and total appear at once.
    page.get_by_test_id("checkout-map-gps").click()
    expect(page.locator("#id_lat")).to_have_value(re.compile(r"^-7\.6401"))
    expect(page.get_by_test_id("error-location")).to_be_hidden()  # the point is there now
    expect(page.get_by_test_id("delivery-fee")).to_contain_text("5.000")
    expect(page.get_by_test_id("checkout-total")).to_contain_text("17.000")
    page.get_by_test_id("checkout-quote").scroll_into_view_if_needed()
    journey.step("ongkir dan total terlihat")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("order-total")).to_contain_text("17.000")
    journey.step("pesanan dibuat")
    with tenants.a:
        order = Order.objects.get(buyer__username=BUYER)
        assert (order.delivery_fee, order.total) == (5_000, 17_000)  # exactly what was quoted
        assert (float(order.delivery_lat or 0), float(order.delivery_lng or 0)) == HOME
    connection.set_schema_to_public()

    # Bu Sri accepts it and sends it through the hub: the buyer's point is already on the map.
    scenes.sign_in(page, server, HOST, SHOP, scene.session_keys)
    page.goto(server.url(HOST, f"/pasar/pesanan/{order.public_id}/"))
    page.get_by_test_id("action-accept").click()
    page.get_by_test_id("order-send-hub").click()
    expect(page.locator("#id_lat")).to_have_value("-7.640100")
    expect(page.get_by_test_id("map-picked")).to_have_text("-7.640100, 111.537200")
    assert page.locator("input[name=lat]").get_attribute("type") == "hidden"  # nothing to type
    page.get_by_test_id("send-map").scroll_into_view_if_needed()
    journey.step("penjual kirim lewat hub")
    page.get_by_test_id("send-create").click()
    expect(page).to_have_url(re.compile(r"/antar/lacak/"))
    journey.step("antaran dibuat")
    with tenants.a:
        delivery = Delivery.objects.get(order__buyer__username=BUYER)
        assert (float(delivery.dropoff_lat), float(delivery.dropoff_lng)) == HOME
    connection.set_schema_to_public()
