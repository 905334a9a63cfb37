"""Journey "sembako" (issue 21): a household joins a Sembako Pintar round and receives its delivery.

Pak Joko opens Sembako, sees the RW's round, orders 2 kg of rice to be delivered home (the map
point as the picker would set it), and pays with his wallet. The rest happens as the other
people would do it (services, as scenes do): the round closes into the supplier purchase, the
hub operator records the goods' arrival, the existing engine batches and routes the delivery and
the courier delivers it with Pak Joko's code. His round page then says it was received.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time
from typing import Any

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.fulfillment import services as antar
from apps.fulfillment.models import Delivery
from apps.payments import services as pay
from apps.sembako import services as sembako
from apps.sembako.models import HouseholdOrder, Round
from tests.browser import scenes
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.clock import frozen, next_at
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

HOST = "mojorejo.localhost"
PREFIX = "journey-sembako-"
USERNAMES = [f"{PREFIX}{n}" for n in ("joko", "ketua", "yati", "operator", "kurir", "staff")]


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer) -> Iterator[dict[str, Any]]:
    sessions: list[str] = []
    scenes.clean_up(tenants.a, USERNAMES, fulfillment=True, sembako=True)
    with tenants.a:
        joko = scenes.person(f"{PREFIX}joko", "Joko Santoso", Role.WARGA)
        ketua = scenes.person(f"{PREFIX}ketua", "Pak Ketua", Role.KETUA_RW)
        yati = scenes.person(f"{PREFIX}yati", "Suryati", Role.PEMILIK_UMKM)
        operator = scenes.person(f"{PREFIX}operator", "Operator Hub", Role.OPERATOR_HUB)
        kurir = scenes.person(f"{PREFIX}kurir", "Kurir Andi", Role.KURIR)
        staff = scenes.person(f"{PREFIX}staff", "Petugas", Role.ADMIN, staff=True)
        hub, _rider = scenes.hub_with_courier(staff, kurir, code=f"{PREFIX}hub")
        hub.operators.add(operator)
        pay.top_up(pay.ensure_wallet(joko), 100_000, reference="journey", idempotency_key=f"{PREFIX}topup")
        round = scenes.sembako_round(ketua, yati, hub, sku_prefix="JS-")
    connection.set_schema_to_public()
    try:
        yield {"round": round, "hub": hub, "operator": operator, "kurir": kurir, "sessions": sessions}
    finally:
        scenes.clean_up(tenants.a, USERNAMES, sessions, fulfillment=True, sembako=True)


def test_sembako(scene: dict[str, Any], tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    page: Any = journey.page
    round: Round = scene["round"]
    scenes.sign_in(page, server, HOST, f"{PREFIX}joko", scene["sessions"])
    page.goto(server.url(HOST, "/sembako/"))
    expect(page.get_by_test_id("rounds")).to_contain_text("Sembako Pintar RW 01")
    journey.step("daftar putaran")
    page.get_by_role("link", name="Sembako Pintar RW 01").click()
    page.get_by_test_id("qty-1").fill("2")
    page.get_by_test_id("choose-delivery").check()
    page.get_by_test_id("address").fill(scenes.HOME_ADDRESS)
    page.evaluate(
        "([lat, lng]) => { document.getElementById('id_lat').value = lat;"
        " document.getElementById('id_lng').value = lng; }",
        [str(scenes.HOME[0]), str(scenes.HOME[1])],
    )
    journey.step("formulir pesanan")
    page.get_by_test_id("place-order").click()
    expect(page.get_by_test_id("my-order")).to_contain_text("Rp25.000")
    page.get_by_test_id("pay-wallet").click()
    expect(page.get_by_test_id("order-status")).to_contain_text("Lunas")
    journey.step("pesanan lunas")

    # The goods arrive and are routed at the next 08:00 in Madiun: the delivery's window starts at
    # the hub's next cut-off (09:00), on the day the courier's shift covers. On the real clock,
    # after the last cut-off (18:00 WIB) the window is tomorrow's and today's routing cannot reach it.
    with tenants.a, frozen(next_at(time(8, 0))):
        sembako.close_round(round, actor=round.organiser)
        sembako.mark_arrived(round, actor=scene["operator"])
        order = HouseholdOrder.objects.get(round=round)
        assert order.market_order is not None
        delivery = scenes.routed(Delivery.objects.get(order=order.market_order), scene["hub"], scene["operator"])
        antar.mark_picked_up(delivery, actor=scene["kurir"])
        antar.mark_delivered(delivery, actor=scene["kurir"], otp=antar.otp_for(delivery))
    connection.set_schema_to_public()

    page.goto(server.url(HOST, f"/sembako/{round.pk}/"))
    expect(page.get_by_test_id("order-status")).to_contain_text("Sudah diterima")
    journey.step("sembako diterima", full_page=True)
