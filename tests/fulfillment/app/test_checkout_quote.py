"""The hub delivery fee is quoted at checkout from the buyer's map point and charged exactly;
a hub that is closed now but serves the point takes the order for its next opening, and the
seller then sends it without typing coordinates (the order carries the point)."""

from __future__ import annotations

import uuid
from datetime import time, timedelta
from decimal import Decimal

import pytest
from time_machine import TimeMachineFixture

from apps.core import geo
from apps.core.errors import Conflict, ValidationFailed
from apps.fulfillment import services
from apps.fulfillment.models import Delivery
from apps.fulfillment.services import pricing
from apps.marketplace import services as market
from apps.marketplace.models import DeliveryMethod, Order, Placement
from tests.clock import freeze, jakarta
from tests.fulfillment.app.conftest import BUYER_POINT, HUB_POINT, World, signed_in

pytestmark = pytest.mark.django_db
DAY = {str(d): ["07:00", "21:00"] for d in range(7)}
FAR = (Decimal("-7.657458"), Decimal("111.534707"))  # ~2.2 km south of the hub, inside its 3 km
OUTSIDE = (Decimal("-7.677458"), Decimal("111.534707"))  # ~4.4 km: beyond the hub's reach


def _open_7_to_21(world: World) -> None:
    world.hub.opening_hours = DAY
    world.hub.save(update_fields=["opening_hours"])


def _quote(world: World, point: tuple[Decimal, Decimal] | None) -> market.CheckoutQuote:
    lat, lng = point if point else ("", "")
    return market.quote_checkout([(world.shop, 12_000)], {world.shop.pk: DeliveryMethod.HUB}, lat, lng)


def _order(world: World, point: tuple[Decimal, Decimal], **extra: object) -> Order:
    return market.place_and_pay(
        world.joko,
        [(world.nasi.pk, 1)],
        idempotency_key=f"q-{uuid.uuid4().hex}",
        payment_method="cod",
        delivery="hub",
        address="Jl. Mojorejo Gg. II No. 3",
        lat=point[0],
        lng=point[1],
        **extra,  # type: ignore[arg-type]
    ).orders[0]


def test_the_quoted_fee_is_the_charged_fee(world: World, time_machine: TimeMachineFixture) -> None:
    _open_7_to_21(world)
    freeze(time_machine, jakarta(None, time(12, 0)))
    for point, expected in ((BUYER_POINT, 5_000), (FAR, 7_000)):
        lat, lng = Decimal(str(point[0])), Decimal(str(point[1]))
        distance = geo.haversine_m(HUB_POINT[0], HUB_POINT[1], float(lat), float(lng))
        assert pricing.delivery_fee(distance) == expected  # base fee for 1 km, then per started km
        quote = _quote(world, (lat, lng))
        assert quote.delivery == expected and quote.total == 12_000 + expected
        assert quote.deliveries[0].hub_name == world.hub.name and quote.deliveries[0].starts_text == ""
        order = _order(world, (lat, lng), expected_delivery_fee=quote.delivery)
        assert order.delivery_fee == quote.delivery and order.total == quote.total
        assert (order.delivery_lat, order.delivery_lng) == (lat, lng)


def test_a_fee_that_changed_since_the_quote_is_not_charged(world: World) -> None:
    before = (Order.objects.count(), Placement.objects.count())
    with pytest.raises(Conflict) as caught:
        _order(world, FAR, expected_delivery_fee=5_000)
    assert caught.value.code == "delivery_fee_changed" and "7.000" in str(caught.value.message)
    assert (Order.objects.count(), Placement.objects.count()) == before


def test_a_missing_or_unreachable_point_is_a_clear_422(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _quote(world, None)
    assert caught.value.code == "location_required" and caught.value.details["field"] == "location"
    with pytest.raises(ValidationFailed) as caught:
        _quote(world, OUTSIDE)
    assert caught.value.code == "outside_hub_area"
    assert world.hub.name in str(caught.value.message) and "3,0 km" in str(caught.value.message)
    with pytest.raises(ValidationFailed) as caught:
        market.quote_checkout([(world.shop, 1)], {world.shop.pk: DeliveryMethod.HUB}, "-7.6", "")
    assert caught.value.code == "invalid_location"
    # Pickup needs no point and costs nothing to deliver.
    pickup = market.quote_checkout([(world.shop, 12_000)], {world.shop.pk: DeliveryMethod.PICKUP}, "", "")
    assert (pickup.delivery, pickup.total) == (0, 12_000)


def test_a_closed_hub_takes_the_order_for_its_next_opening(world: World, time_machine: TimeMachineFixture) -> None:
    _open_7_to_21(world)
    now = freeze(time_machine, jakarta(None, time(5, 0)))
    quote = _quote(world, (Decimal(str(BUYER_POINT[0])), Decimal(str(BUYER_POINT[1]))))
    assert quote.deliveries[0].starts_text == "07:00" and quote.delivery == 5_000
    order = _order(world, (Decimal(str(BUYER_POINT[0])), Decimal(str(BUYER_POINT[1]))))
    assert order.delivery_fee == quote.delivery
    market.transition(order, "accept", actor=world.sri)
    order = market.transition(order, "pack", actor=world.sri)
    # The seller sends it before the hub opens, typing no coordinates: the order's point is used.
    delivery = services.create_delivery(order, actor=world.sri)
    assert delivery.hub == world.hub
    assert (delivery.dropoff_lat, delivery.dropoff_lng) == (order.delivery_lat, order.delivery_lng)
    assert delivery.window_start >= jakarta(now, time(7, 0))  # its first cut-off once open
    assert delivery.window_end > delivery.window_start


def test_when_no_hub_can_take_it_the_refusal_says_why_and_when(world: World, time_machine: TimeMachineFixture) -> None:
    _open_7_to_21(world)
    freeze(time_machine, jakarta(None, time(12, 0)))
    order = _order(world, (Decimal(str(BUYER_POINT[0])), Decimal(str(BUYER_POINT[1]))))
    market.transition(order, "accept", actor=world.sri)
    order = market.transition(order, "pack", actor=world.sri)
    world.hub.capacity_slots = 0  # full
    world.hub.save(update_fields=["capacity_slots"])
    now = freeze(time_machine, jakarta(None, time(22, 0)))
    with pytest.raises(Conflict) as caught:
        services.create_delivery(order, actor=world.sri)
    message = str(caught.value.message)
    assert caught.value.code == "no_hub_available"
    assert "penuh" in message and "besok 07:00" in message
    assert caught.value.details["opens_at"] == jakarta(now + timedelta(days=1), time(7, 0)).isoformat()
    assert not Delivery.objects.filter(order=order).exists()


def test_the_checkout_page_quotes_and_places_with_the_same_fee(world: World) -> None:
    market.add_to_cart(world.joko, world.nasi.pk, 2)
    client = signed_in(world.tenant, world.joko)
    form = {f"delivery_{world.shop.pk}": "hub", "address": "Jl. Mojorejo Gg. II No. 3", "lat": "", "lng": ""}
    missing = client.post("/pasar/checkout/ongkir/", form)
    assert missing.status_code == 422
    assert "Pilih titik antar di peta" in missing.content.decode()
    far = client.post("/pasar/checkout/ongkir/", {**form, "lat": str(FAR[0]), "lng": str(FAR[1])})
    assert far.status_code == 200
    html = far.content.decode()
    assert "7.000" in html and "31.000" in html  # 2 × 12.000 + 7.000, shown before ordering
    assert 'name="quoted_fee" value="7000"' in html
    outside = client.post("/pasar/checkout/ongkir/", {**form, "lat": str(OUTSIDE[0]), "lng": str(OUTSIDE[1])})
    assert outside.status_code == 422 and "di luar jangkauan hub" in outside.content.decode()
    placed = client.post(
        "/pasar/checkout/pesan/",
        {
            **form,
            "lat": str(FAR[0]),
            "lng": str(FAR[1]),
            "quoted_fee": "7000",
            "payment_method": "cod",
            "idempotency_key": uuid.uuid4().hex,
        },
    )
    assert placed.status_code == 302
    order = Order.objects.get(buyer=world.joko)
    assert (order.delivery_fee, order.total) == (7_000, 31_000)
