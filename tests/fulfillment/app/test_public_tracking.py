"""The public tracking link: signed token, no sign-in, no personal data, expiry, tampering,
the polled JSON (position only while out), rate limit and query budget."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from apps.fulfillment import conf, public_tracking, services
from apps.fulfillment.models import Courier, Delivery
from apps.notifications.models import Message
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.budgets import count_queries
from tests.clock import freeze
from tests.conftest import client_for

from .conftest import World, assigned, signed_in

pytestmark = pytest.mark.django_db

PERSONAL = ("Joko Santoso", "Sri Rahayu", "Andi Kurir", "0812", "Gg. II No. 3", "-7.6401", "111.5372")


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    cache.clear()


def _out_for_delivery(world: World) -> Delivery:
    world.joko.phone = "0812-3456-7890"
    world.joko.save(update_fields=["phone"])
    delivery = assigned(world)
    services.mark_picked_up(delivery, actor=world.andi)
    Courier.objects.filter(pk=world.courier.pk).update(lat="-7.638000", lng="111.535000", last_ping_at=timezone.now())
    delivery.refresh_from_db()
    return delivery


def test_guest_sees_status_hub_eta_and_map_without_personal_data(world: World) -> None:
    rw = RukunWarga.objects.create(number=2)
    Residency.objects.create(user=world.joko, rt=RukunTetangga.objects.create(rw=rw, number=3))
    delivery = _out_for_delivery(world)
    guest = client_for(world.tenant)
    path = public_tracking.path_for(delivery)
    page = guest.get(path)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Dalam perjalanan" in html and 'aria-current="step"' in html
    assert "Hub Mojorejo" in html and 'data-testid="public-eta"' in html
    assert "RT 03/RW 02" in html and world.tenant.name in html
    assert "vendor/leaflet/leaflet.js" in html and "fulfillment/public_track.js" in html
    for secret in PERSONAL:
        assert secret not in html, secret
    assert services.otp_for(delivery) not in html
    assert page["Referrer-Policy"] == "no-referrer" and "noindex" in page["X-Robots-Tag"]

    position = guest.get(path + "posisi/")
    data = position.json()
    assert position.status_code == 200
    assert data["status"] == "picked_up" and data["courier"] == [-7.638, 111.535] and data["live"] is True
    for secret in PERSONAL[:-2]:
        assert secret not in position.content.decode()


def test_position_only_while_the_parcel_is_out(world: World) -> None:
    delivery = assigned(world)
    Courier.objects.filter(pk=world.courier.pk).update(lat="-7.638", lng="111.535", last_ping_at=timezone.now())
    data = client_for(world.tenant).get(public_tracking.path_for(delivery) + "posisi/").json()
    assert data["status"] == "assigned" and data["courier"] is None


def test_tampered_foreign_and_expired_tokens_are_404(world: World, tenant_b: Tenant) -> None:
    delivery = _out_for_delivery(world)
    token = public_tracking.token_for(delivery)
    guest = client_for(world.tenant)
    assert guest.get(f"/antar/l/{token[:-1]}x/").status_code == 404
    assert guest.get(f"/antar/l/{delivery.code}/").status_code == 404  # the bare code is no token
    assert guest.get(f"/antar/l/{token[:-1]}x/posisi/").status_code == 404
    services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery))
    delivery.refresh_from_db()
    done = guest.get(f"/antar/l/{token}/")
    assert done.status_code == 200 and "Sudah sampai" in done.content.decode()
    assert "data-poll" not in done.content.decode()  # ended: the map stops polling
    days = conf.get("TRACKING_LINK_DAYS")
    Delivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now() - timedelta(days=days, hours=-1))
    assert guest.get(f"/antar/l/{token}/").status_code == 200  # still within the days
    Delivery.objects.filter(pk=delivery.pk).update(delivered_at=timezone.now() - timedelta(days=days, hours=1))
    assert guest.get(f"/antar/l/{token}/").status_code == 404
    assert client_for(tenant_b).get(f"/antar/l/{token}/").status_code == 404  # other kelurahan (last: switches schema)


def test_polling_is_rate_limited(world: World) -> None:
    delivery = assigned(world)
    guest = client_for(world.tenant)
    url = public_tracking.path_for(delivery) + "posisi/"
    codes = [guest.get(url).status_code for _ in range(public_tracking.RATE_PER_MINUTE + 2)]
    assert codes[0] == 200 and codes[-1] == 429


def test_order_page_and_dispatch_notification_carry_the_link(
    world: World, time_machine: time_machine.TimeMachineFixture
) -> None:
    # The link's token is timestamp-signed: the clock stands still so the notification's link,
    # the page's and the one built here are the same string (they differed across a second).
    freeze(time_machine, timezone.now())
    delivery = assigned(world)
    token_path = public_tracking.path_for(delivery)
    html = signed_in(world.tenant, world.joko).get(f"/pasar/pesanan/{delivery.order.public_id}/").content.decode()
    assert token_path in html and 'data-testid="order-public-track"' in html
    bodies = list(
        Message.objects.filter(recipient=world.joko, event="fulfillment.assigned").values_list("body", flat=True)
    )
    assert bodies and all(token_path in body for body in bodies)


def test_public_page_query_budget(world: World) -> None:
    delivery = _out_for_delivery(world)
    guest = client_for(world.tenant)
    path = public_tracking.path_for(delivery)
    guest.get(path)  # warm-up
    queries, response, sql = count_queries(lambda: guest.get(path))
    assert response.status_code == 200 and queries <= 6, "\n".join(sql)
    cache.clear()
    queries, response, sql = count_queries(lambda: guest.get(path + "posisi/"))
    assert response.status_code == 200 and queries <= 5, "\n".join(sql)
    queries, response, _sql = count_queries(lambda: guest.get(path + "posisi/"))
    assert queries <= 2  # cached payload: only the token's delivery is read
