"""Journey "hub" on a phone (390×844): Bu Wati, the operator of the balai's hub, opens the hubs
list, her hub's page with a parcel waiting for a courier, closes the batch and follows the
routing job's page until the route is there; then, as a long solve looks, the hubs list and
the job page while the job is still running (progress bar). Every page is an axe-core check."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from apps.accounts.roles import Role
from apps.fulfillment.models import RoutingJob
from tests.browser import scenes
from tests.browser.conftest import PHONE, LiveServer
from tests.browser.journeys import Journey
from tests.conftest import TenantSet

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

STAFF = "journey-hub-staf"
OPERATOR = "journey-hub-wati"
SHOP = "journey-hub-sri"
BUYER = "journey-hub-joko"
COURIER = "journey-hub-andi"
USERS = [STAFF, OPERATOR, SHOP, BUYER, COURIER]
HUB_NAME = "Hub Balai Mojorejo"


@dataclass
class Scene:
    hub_code: str
    delivery_code: str
    session_keys: list[str] = field(default_factory=list)


@pytest.fixture
def scene(tenants: TenantSet, server: LiveServer, settings: Any, daytime: datetime) -> Iterator[Scene]:
    """Committed in Mojorejo: the hub run by Bu Wati with courier Andi, and Pak Joko's packed
    COD order from Bu Sri's stall sent through it, waiting for the batch (from 10:00: see `daytime`).
    Removed afterwards."""
    settings.FULFILLMENT_SOLVER_SECONDS = 1.0
    scenes.clean_up(tenants.a, USERS, fulfillment=True)
    with tenants.a:
        staff = scenes.person(STAFF, "Petugas", Role.ADMIN, staff=True)
        wati = scenes.person(OPERATOR, "Wati Operator", Role.OPERATOR_HUB)
        sri = scenes.person(SHOP, "Sri Rahayu", Role.PEMILIK_UMKM)
        joko = scenes.person(BUYER, "Joko Santoso", Role.WARGA)
        andi = scenes.person(COURIER, "Andi Kurir", Role.KURIR)
        _shop, (nasi,) = scenes.shop_with_products(sri, [("Nasi pecel", "HUB-NASI", 12_000, 5)], hub_delivery=True)
        hub, _andi = scenes.hub_with_courier(staff, andi, code="hub-balai-jalan", name=HUB_NAME)
        hub.operators.add(wati)
        delivery = scenes.hub_order(joko, sri, nasi)
        made_scene = Scene(hub_code=hub.code, delivery_code=delivery.code)
    connection.set_schema_to_public()
    try:
        yield made_scene
    finally:
        scenes.clean_up(tenants.a, USERS, made_scene.session_keys, fulfillment=True)


def _fits_the_phone(page: Any) -> None:
    # After the step: it waits for the network, so styles and the map have settled.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], "scrolls sideways"


def test_hub(scene: Scene, tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    page: Any = journey.page
    host = TenantSet.host(tenants.a)
    scenes.sign_in(page, server, host, OPERATOR, scene.session_keys)

    # The hubs she may run.
    page.goto(server.url(host, "/antar/hub/"))
    expect(page.get_by_role("link", name=HUB_NAME)).to_be_visible()
    journey.step("daftar hub")
    _fits_the_phone(page)

    # Her hub: the parcel waits for a courier.
    page.get_by_role("link", name=HUB_NAME).click()
    expect(page.get_by_role("heading", name=HUB_NAME)).to_be_visible()
    expect(page.locator("main")).to_contain_text(scene.delivery_code)
    journey.step("hub dengan antaran menunggu", full_page=True)
    _fits_the_phone(page)

    # She closes the batch; the job's page follows the routing until it is done.
    page.get_by_role("button", name="Tutup batch sekarang dan hitung rute").click()
    expect(page).to_have_url(re.compile(r"/antar/tugas/\d+/$"))
    job_id = int(page.url.rstrip("/").rsplit("/", 1)[1])
    job = page.get_by_test_id(f"job-{job_id}")
    expect(job).to_have_attribute("data-status", "succeeded", timeout=30_000)
    journey.step("tugas perutean selesai")
    _fits_the_phone(page)

    page.get_by_role("link", name="Kembali ke hub").click()
    expect(page.locator("main")).to_contain_text("Andi Kurir")  # today's route
    journey.step("rute hari ini", full_page=True)
    _fits_the_phone(page)

    # A long solve: the job still running, as the hubs list and the job's page show it.
    with tenants.a:
        RoutingJob.objects.filter(pk=job_id).update(
            status=RoutingJob.Status.RUNNING, started_at=timezone.now(), finished_at=None
        )
    connection.set_schema_to_public()
    page.goto(server.url(host, "/antar/hub/"))
    running = page.get_by_test_id(f"job-{job_id}")
    expect(running.locator("progress")).to_be_visible()
    journey.step("daftar hub dengan tugas berjalan", full_page=True)
    _fits_the_phone(page)
    page.goto(server.url(host, f"/antar/tugas/{job_id}/"))
    expect(page.get_by_test_id(f"job-{job_id}").locator("progress")).to_be_visible()
    expect(page.get_by_text("Menghitung rute terbaik")).to_be_visible()
    journey.step("tugas perutean berjalan")
    _fits_the_phone(page)
