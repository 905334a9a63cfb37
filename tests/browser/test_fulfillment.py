"""Antar end to end on a phone (390×844): a routed delivery; the courier picks it up and delivers
it with the buyer's code; the buyer's tracking page shows it delivered."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any

import pytest
from axes.models import AccessAttempt, AccessLog
from django.contrib.sessions.models import Session
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import services
from apps.fulfillment.models import Delivery
from apps.marketplace import services as market
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet
from tests.marketplace.conftest import wipe_marketplace

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
FULFILLMENT_TABLES = [
    "fulfillment_courierearning",
    "fulfillment_deliveryevent",
    "fulfillment_routestop",
    "fulfillment_delivery",
    "fulfillment_route",
    "fulfillment_routingjob",
    "fulfillment_batch",
    "fulfillment_courierping",
    "fulfillment_courier",
    "fulfillment_consignmentmovement",
    "fulfillment_hub_operators",
    "fulfillment_hub",
]


@dataclass
class Scene:
    code: str
    otp: str
    session_keys: list[str]


def _cleanup(tenants: TenantSet, session_keys: list[str]) -> None:
    connection.set_schema_to_public()
    with tenants.a:
        Session.objects.filter(session_key__in=session_keys).delete()
        AccessLog.objects.filter(username__in=USERS).delete()
        AccessAttempt.objects.filter(username__in=USERS).delete()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in FULFILLMENT_TABLES:
                cursor.execute(f"DELETE FROM {table}")
    wipe_marketplace(tenants.a, USERS)


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer, settings: Any) -> Iterator[Scene]:
    """Committed in Mojorejo: a hub, courier Andi on a motor, Bu Sri's shop and a packed hub
    order of Pak Joko's, sent through the hub and routed. Removed afterwards."""
    settings.FULFILLMENT_SOLVER_SECONDS = 2.0
    _cleanup(tenants, [])
    with tenants.a:
        staff = create_user(username=STAFF, full_name="Petugas", roles=[Role.ADMIN], password=PASSWORD)
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
        sri = create_user(username=SHOP, full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        joko = create_user(username=BUYER, full_name="Joko Santoso", roles=[Role.WARGA], password=PASSWORD)
        andi = create_user(username=COURIER, full_name="Andi Kurir", roles=[Role.KURIR], password=PASSWORD)
        shop = market.open_shop(
            sri,
            name="Pecel Bu Sri (antar)",
            address="Jl. Mojorejo No. 12",
            lat=-7.6352,
            lng=111.5331,
            offers_hub_delivery=True,
        )
        made = market.create_product(
            shop, sri, name="Nasi pecel", variants=[market.VariantSpec(sku="ANTAR-NASI", price=12_000, stock=5)]
        )
        hub = services.create_hub(actor=staff, code="hub-browser", name="Hub Mojorejo", lat=-7.637458, lng=111.534707)
        services.register_courier(
            andi, actor=staff, vehicle="motor", home_hub=hub, shift_start=time(0), shift_end=time(23, 59, 59)
        )
        order = market.place_orders(
            joko,
            [(made.variants.get().pk, 1)],
            idempotency_key=f"antar-{uuid.uuid4().hex}",
            delivery="hub",
            address="Jl. Mojorejo Gg. II No. 3",
            lat="-7.6401",
            lng="111.5361",
        ).orders[0]
        market.pay_order(order, "cod", payer=joko, idempotency_key=f"antar-pay-{uuid.uuid4().hex}")
        market.transition(order, "accept", actor=sri)
        market.transition(order, "pack", actor=sri)
        now = timezone.now()
        delivery = services.create_delivery(
            order,
            actor=sri,
            lat=-7.6401,
            lng=111.5372,
            address="Jl. Mojorejo Gg. II No. 3",
            window_start=now,
            window_end=now + timedelta(hours=6),
        )
        job = services.batch_now(hub, actor=staff)
        assert job is not None
        services.run_routing_job(job.pk)
        delivery.refresh_from_db()
        assert delivery.status == Delivery.Status.ASSIGNED
        made_scene = Scene(code=delivery.code, otp=services.otp_for(delivery), session_keys=[])
    connection.set_schema_to_public()
    try:
        yield made_scene
    finally:
        _cleanup(tenants, made_scene.session_keys)


def _sign_in(page: Any, server: LiveServer, username: str, session_keys: list[str]) -> None:
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    page.context.clear_cookies()
    page.goto(server.url(HOST, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(HOST, "/"))


def test_courier_delivers_and_buyer_sees_it_delivered(
    scene: Scene, tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    page.set_viewport_size(PHONE)
    _sign_in(page, server, COURIER, scene.session_keys)
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

    _sign_in(page, server, BUYER, scene.session_keys)
    page.goto(server.url(HOST, f"/antar/lacak/{scene.code}/"))
    assert page.get_by_test_id("delivery-status").inner_text() == "Sudah sampai"
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.screenshot(path=str(results_dir(request.config) / "fulfillment-tracking-phone.png"), full_page=True)
    with tenants.a:
        delivery = Delivery.objects.select_related("order").get(code=scene.code)
        assert delivery.status == Delivery.Status.DELIVERED and delivery.order.status == "delivered"
    connection.set_schema_to_public()
