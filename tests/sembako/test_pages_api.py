"""Pages and API of Sembako Pintar: roles, idempotent creating POSTs, query budgets, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.marketplace import services as market
from apps.marketplace.models import Order
from apps.sembako import services
from apps.sembako.models import HouseholdOrder, Round
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import client_for
from tests.marketplace.conftest import signed_in

from .conftest import HOME, World, key, make_world, open_round

pytestmark = pytest.mark.django_db


def test_household_orders_and_pays_on_the_page(world: World) -> None:
    round = open_round(world)
    client = signed_in(world.tenant, world.joko)
    page = client.get(f"/sembako/{round.pk}/")
    assert page.status_code == 200
    assert b"13.250" in page.content  # the market reference next to the round price
    beras = round.items.get(name="Beras medium")
    response = client.post(f"/sembako/{round.pk}/pesan/", {f"qty-{beras.pk}": "2", "fulfilment": "pickup"})
    assert response.status_code == 302
    order = HouseholdOrder.objects.get(round=round, household=world.joko)
    assert order.total == 25_000
    again = client.post(f"/sembako/{round.pk}/pesan/", {f"qty-{beras.pk}": "2", "fulfilment": "pickup"})
    assert again.status_code == 302 and HouseholdOrder.objects.filter(round=round).count() == 1
    paid = client.post(f"/sembako/{round.pk}/bayar/wallet/", {"idempotency_key": key()})
    assert paid.status_code == 302
    order.refresh_from_db()
    assert order.status == HouseholdOrder.Status.PAID
    shown = client.get(f"/sembako/{round.pk}/")
    assert b"hemat" in shown.content  # 2 × Rp750 saved
    bad = client.post(f"/sembako/{round.pk}/pesan/", {"qty-999999": "1"})
    assert bad.status_code in (409, 422)


def test_the_suppliers_order_tabs_leave_out_hand_over_orders(world: World) -> None:
    """The supplier's order page (`/pasar/toko/<slug>/pesanan/`): a resident's own order of the
    supplier's rice is there; the hub's hand-over order of a sembako delivery (accepted like it,
    but the hub's work) is in no tab and no tab count."""
    own = market.place_and_pay(world.joko, [(world.beras.pk, 1)], idempotency_key=key(), payment_method="cod")
    (order,) = own.orders
    market.transition(order, "accept", actor=world.supplier)
    order.refresh_from_db()
    round = open_round(world)
    beras = round.items.get(name="Beras medium")
    andi, _ = services.place_order(
        world.andi,
        round,
        quantities={beras.pk: 2},
        fulfilment="delivery",
        address="Jl. Mojorejo Gg. II No. 3",
        lat=HOME[0],
        lng=HOME[1],
    )
    services.pay_with_wallet(andi, actor=world.andi, idempotency_key=key())
    services.close_round(round)
    services.mark_arrived(round, actor=world.operator)
    andi.refresh_from_db()
    handover = Order.objects.get(pk=andi.market_order_id)
    assert handover.payment_method == market.HANDOVER_PAYMENT
    assert handover.shop_id == order.shop_id and handover.status == order.status  # both "Perlu dikirim"
    supplier = signed_in(world.tenant, world.supplier)
    url = f"/pasar/toko/{order.shop.slug}/pesanan/"
    listed = set()
    for tab in ("baru", "kirim", "dikirim", "selesai", "batal", "belum-bayar"):
        page = supplier.get(url, {"tab": tab})
        assert page.status_code == 200
        rows = {row.order.pk for row in page.context["rows"]}
        counts = {t.slug: n for t, n in page.context["tabs"]} | {"belum-bayar": page.context["unpaid_count"]}
        assert counts[tab] == len(rows), tab  # the counts leave it out too
        listed |= rows
        assert handover.number not in page.content.decode()
    # The round's own purchase from the supplier is a normal order as well.
    assert order.pk in listed and handover.pk not in listed
    assert order.number in supplier.get(url, {"tab": "kirim"}).content.decode()


def test_organiser_pages_are_role_gated(world: World) -> None:
    round = open_round(world)
    assert signed_in(world.tenant, world.joko).get("/sembako/buka/").status_code == 404
    assert signed_in(world.tenant, world.joko).get(f"/sembako/{round.pk}/kelola/").status_code == 404
    organiser = signed_in(world.tenant, world.organiser)
    assert organiser.get("/sembako/buka/").status_code == 200
    assert organiser.get(f"/sembako/{round.pk}/kelola/").status_code == 200
    assert signed_in(world.tenant, world.operator).get(f"/sembako/{round.pk}/kelola/").status_code == 200
    # Only the organiser closes; the hub operator records the goods' arrival.
    assert signed_in(world.tenant, world.operator).post(f"/sembako/{round.pk}/kelola/tutup/").status_code == 302
    round.refresh_from_db()
    assert round.status == Round.Status.OPEN
    organiser.post(f"/sembako/{round.pk}/kelola/tutup/")
    round.refresh_from_db()
    assert round.status == Round.Status.CLOSED


def test_open_round_form_is_idempotent(world: World) -> None:
    organiser = signed_in(world.tenant, world.organiser)
    form_key = key()
    data = {
        "idempotency_key": form_key,
        "title": "Sembako Januari",
        "closes_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "hub": str(world.hub.pk),
        "offers_delivery": "on",
        "item-0-variant": str(world.beras.pk),
        "item-0-unit": "kg",
        "item-0-price": "12.500",
        "item-0-commodity": "Beras Medium",
        "item-1-name": "Gula pasir",
        "item-1-unit": "kg",
        "item-1-price": "16000",
    }
    first = organiser.post("/sembako/buka/", data)
    second = organiser.post("/sembako/buka/", data)
    assert first.status_code == 302 and second.status_code == 302
    assert Round.objects.filter(title="Sembako Januari").count() == 1
    round = Round.objects.get(title="Sembako Januari")
    assert sorted(round.items.values_list("name", "price")) == [("Beras medium", 12_500), ("Gula pasir", 16_000)]


def test_api_flow_with_idempotency(world: World) -> None:
    organiser = signed_in(world.tenant, world.organiser)
    body = {
        "title": "Sembako API",
        "closes_at": (timezone.now() + timedelta(days=1)).isoformat(),
        "hub": world.hub.pk,
        "items": [{"variant": world.beras.pk, "unit": "kg", "price": 12_500, "commodity": "Beras Medium"}],
    }
    headers = {"HTTP_IDEMPOTENCY_KEY": key()}
    created = organiser.post("/api/v1/sembako/rounds/", body, content_type="application/json", **headers)
    assert created.status_code == 201, created.content
    replay = organiser.post("/api/v1/sembako/rounds/", body, content_type="application/json", **headers)
    assert replay.status_code == 201 and replay.json()["id"] == created.json()["id"]
    assert Round.objects.filter(title="Sembako API").count() == 1
    round_id = created.json()["id"]
    warga = signed_in(world.tenant, world.andi)
    assert warga.post("/api/v1/sembako/rounds/", body, content_type="application/json").status_code == 403
    detail = warga.get(f"/api/v1/sembako/rounds/{round_id}/").json()
    item = detail["items"][0]
    assert item["market_price"] == 13_250 and item["saving"] == 750
    order_body = {
        "quantities": {str(item["id"]): 2},
        "fulfilment": "delivery",
        "address": "Jl. Mojorejo Gg. II No. 3",
        "lat": str(HOME[0]),
        "lng": str(HOME[1]),
    }
    order_headers = {"HTTP_IDEMPOTENCY_KEY": key()}
    placed = warga.post(
        f"/api/v1/sembako/rounds/{round_id}/orders/", order_body, content_type="application/json", **order_headers
    )
    assert placed.status_code == 201, placed.content
    assert placed.json()["total"] == 25_000
    order_id = placed.json()["id"]
    pay_headers = {"HTTP_IDEMPOTENCY_KEY": key()}
    paid = warga.post(f"/api/v1/sembako/orders/{order_id}/pay/", **pay_headers)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert warga.post(f"/api/v1/sembako/orders/{order_id}/pay/", **pay_headers).status_code == 200
    assert warga.get("/api/v1/sembako/rounds/abc/").status_code == 404
    assert warga.post(f"/api/v1/sembako/rounds/{round_id}/close/").status_code == 403


def test_list_budgets(world: World) -> None:
    warga = signed_in(world.tenant, world.joko)

    def grow(count: int) -> None:
        for _ in range(count):
            round = open_round(world)
            services.place_order(world.joko, round, quantities={round.items.first().pk: 1})  # type: ignore[union-attr]

    assert_list_budget(fetch=lambda: warga.get("/api/v1/sembako/rounds/"), grow=grow)
    assert_list_budget(fetch=lambda: warga.get("/api/v1/sembako/orders/"), grow=grow)
    assert_list_budget(fetch=lambda: warga.get("/sembako/"), grow=grow, budget=14)


def test_manage_page_budget(world: World) -> None:
    round = open_round(world)
    organiser = signed_in(world.tenant, world.organiser)
    made: list[int] = []

    def grow(count: int) -> None:
        from apps.accounts.services import create_user

        for _ in range(count):
            made.append(len(made))
            user = create_user(username=f"hh-{len(made)}", full_name=f"HH {len(made)}", roles=["warga"])
            services.place_order(user, round, quantities={round.items.first().pk: 1})  # type: ignore[union-attr]

    assert_list_budget(fetch=lambda: organiser.get(f"/sembako/{round.pk}/kelola/"), grow=grow, budget=20)


def test_a_round_in_one_kelurahan_is_invisible_in_another(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a:
        world = make_world(tenant_a, prefix="iso-")
        round = open_round(world)
        order, _ = services.place_order(world.joko, round, quantities={round.items.first().pk: 1})  # type: ignore[union-attr]
    with tenant_b:
        assert not Round.objects.filter(title=round.title).exists()
        assert not HouseholdOrder.objects.filter(pk=order.pk, total=order.total).exists()
        staff = User.objects.get(username="admin")
    b_client = signed_in(tenant_b, staff)
    assert b_client.get(f"/sembako/{round.pk}/").status_code == 404
    assert b_client.get(f"/api/v1/sembako/rounds/{round.pk}/").status_code == 404
    assert b_client.get(f"/api/v1/sembako/orders/{order.pk}/").status_code == 404
    assert client_for(tenant_b).get("/api/v1/sembako/rounds/").status_code in (401, 403)
