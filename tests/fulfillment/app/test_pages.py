"""HTMX pages: courier route and actions, GPS pings, tracking visibility, hub boards, KPIs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import services
from apps.fulfillment.models import Delivery, RoutingJob
from apps.tenancy.models import Tenant
from tests.conftest import client_for

from .conftest import World, assigned, signed_in

pytestmark = pytest.mark.django_db


def test_tracking_is_visible_only_to_buyer_shop_and_staff(world: World, tenant_b: Tenant) -> None:
    delivery = assigned(world)
    url = f"/antar/lacak/{delivery.code}/"
    for user in (world.joko, world.sri, world.staff):
        response = signed_in(world.tenant, user).get(url)
        assert response.status_code == 200, user
        assert "Dapat kurir" in response.content.decode()
        assert 'hx-trigger="every 10s"' in response.content.decode()  # live updates by HTMX polling
    assert signed_in(world.tenant, world.other).get(url).status_code == 404
    assert signed_in(world.tenant, world.andi).get(url + "status/").status_code == 404
    anonymous = client_for(world.tenant).get(url)
    assert anonymous.status_code == 302 and "lacak" not in anonymous.content.decode()
    with tenant_b:
        stranger = create_user(username="joko", roles=[Role.WARGA])  # same name, other kelurahan
    assert signed_in(tenant_b, stranger).get(url).status_code == 404


def test_only_the_buyer_sees_the_otp(world: World) -> None:
    delivery = assigned(world)
    otp = services.otp_for(delivery)
    assert otp in signed_in(world.tenant, world.joko).get(f"/antar/lacak/{delivery.code}/").content.decode()
    assert otp not in signed_in(world.tenant, world.sri).get(f"/antar/lacak/{delivery.code}/").content.decode()


def test_courier_completes_a_delivery_from_the_route_page(world: World) -> None:
    delivery = assigned(world)
    phone = signed_in(world.tenant, world.andi)
    page = phone.get("/antar/kurir/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "https://www.google.com/maps/dir/?api=1&amp;destination=" in html and "geo:" in html
    assert f"pickup-{delivery.code}" in html
    assert "vendor/leaflet/leaflet.js" in html and "unpkg" not in html

    picked = phone.post(f"/antar/kurir/{delivery.code}/ambil/", HTTP_HX_REQUEST="true")
    assert picked.status_code == 200 and "Barang sudah diambil" in picked.content.decode()
    wrong = phone.post(f"/antar/kurir/{delivery.code}/sampai/", {"otp": "12345x"})
    assert wrong.status_code == 422
    done = phone.post(f"/antar/kurir/{delivery.code}/sampai/", {"otp": services.otp_for(delivery), "cod": "1"})
    assert done.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED
    status = signed_in(world.tenant, world.joko).get(f"/antar/lacak/{delivery.code}/status/")
    assert "Sudah sampai" in status.content.decode() and "hx-trigger" not in status.content.decode()


def test_another_courier_cannot_act_on_the_delivery(world: World) -> None:
    delivery = assigned(world)
    budi = create_user(username="budi", roles=[Role.KURIR])
    services.register_courier(
        budi, actor=world.operator, vehicle="sepeda", home_hub=world.hub, shift_start="06:00", shift_end="20:00"
    )
    response = signed_in(world.tenant, budi).post(f"/antar/kurir/{delivery.code}/ambil/")
    assert response.status_code == 403
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED
    assert signed_in(world.tenant, world.joko).get("/antar/kurir/").status_code == 404


def test_gps_ping_endpoint(world: World) -> None:
    delivery = assigned(world)
    phone = signed_in(world.tenant, world.andi)
    now = timezone.now()
    ok = phone.post(
        "/antar/kurir/lokasi/",
        {"lat": "-7.6380", "lng": "111.5350", "accuracy": "10", "ts": now.isoformat(), "delivery": delivery.code},
    )
    assert ok.status_code == 201, ok.content
    again = phone.post(
        "/antar/kurir/lokasi/",
        {"lat": "-7.6381", "lng": "111.5350", "accuracy": "10", "ts": (now + timedelta(seconds=1)).isoformat()},
        content_type="application/json",
    )
    assert again.status_code == 429 and again.json()["error"]["code"] == "too_many_pings"
    outside = phone.post(
        "/antar/kurir/lokasi/",
        {"lat": "-7.25", "lng": "112.75", "accuracy": "10", "ts": (now + timedelta(seconds=30)).isoformat()},
    )
    assert outside.status_code == 422
    budi = create_user(username="budi", roles=[Role.KURIR])
    services.register_courier(
        budi, actor=world.operator, vehicle="sepeda", home_hub=world.hub, shift_start="06:00", shift_end="20:00"
    )
    stolen = signed_in(world.tenant, budi).post(
        "/antar/kurir/lokasi/",
        {"lat": "-7.6380", "lng": "111.5350", "accuracy": "10", "ts": now.isoformat(), "delivery": delivery.code},
    )
    assert stolen.status_code == 403
    world.courier.refresh_from_db()
    assert world.courier.pings.count() == 1
    # The buyer now sees the courier's position and an ETA.
    html = signed_in(world.tenant, world.joko).get(f"/antar/lacak/{delivery.code}/status/").content.decode()
    assert "-7.63800" in html and 'data-testid="eta"' in html


def test_hub_pages_for_staff_and_operators_only(world: World) -> None:
    delivery = assigned(world)
    job = RoutingJob.objects.get()
    for user in (world.staff, world.operator):
        client = signed_in(world.tenant, user)
        assert client.get("/antar/hub/").status_code == 200
        hub_page = client.get(f"/antar/hub/{world.hub.code}/")
        assert hub_page.status_code == 200 and str(world.courier) in hub_page.content.decode()
        progress = client.get(f"/antar/tugas/{job.pk}/")
        assert "Selesai" in progress.content.decode()
    warga: Client = signed_in(world.tenant, world.joko)
    assert warga.get("/antar/hub/").status_code == 404
    assert warga.get(f"/antar/tugas/{job.pk}/").status_code == 404
    del delivery


def test_kpi_page_shows_per_hub_and_per_courier_figures(world: World) -> None:
    delivery = assigned(world)
    services.mark_picked_up(delivery, actor=world.andi)
    services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery))
    page = signed_in(world.tenant, world.staff).get("/antar/kpi/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "Hub Mojorejo" in html and str(world.courier) in html and "100%" in html


def test_shop_sends_an_order_through_the_hub(world: World) -> None:
    from .conftest import packed_order

    order = packed_order(world)
    shop = signed_in(world.tenant, world.sri)
    bad = shop.post(f"/antar/kirim/{order.pk}/", {"address": "Jl. A", "lat": "-7.25", "lng": "112.75"})
    assert bad.status_code == 422 and not Delivery.objects.exists()
    good = shop.post(f"/antar/kirim/{order.pk}/", {"address": "Jl. A", "lat": "-7.6401", "lng": "111.5372"})
    assert good.status_code == 302
    delivery = Delivery.objects.get()
    assert good["Location"].endswith(f"/antar/lacak/{delivery.code}/")
    assert signed_in(world.tenant, world.other).get(f"/antar/kirim/{order.pk}/").status_code == 404
