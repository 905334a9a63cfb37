"""Hubs, couriers, deliveries and the delivery status machine (services)."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.core.errors import Conflict, DomainError, Forbidden, ValidationFailed
from apps.fulfillment import services
from apps.fulfillment.models import (
    ConsignmentMovement,
    CourierEarning,
    Delivery,
    DeliveryEvent,
    Hub,
)
from apps.fulfillment.services import HubSlot
from apps.marketplace import services as market
from apps.marketplace.models import Order, Stock, StockLocation
from apps.notifications.models import Message
from apps.tenancy.models import Tenant

from .conftest import BUYER_POINT, World, assigned, make_world, new_delivery, packed_order

pytestmark = pytest.mark.django_db


def test_hub_has_a_marketplace_hub_location(world: World) -> None:
    location = world.hub.location
    assert location.kind == StockLocation.Kind.HUB
    assert location.code == world.hub.code
    assert world.hub.operators.filter(pk=world.operator.pk).exists()


@pytest.mark.parametrize(
    ("lat", "lng", "code"),
    [
        (-6.2, 106.8, "outside_area"),  # Jakarta: Indonesia, but not this kelurahan
        (95.0, 111.5, "impossible_location"),
        ("abc", 111.5, "validation_failed"),
        (None, None, "location_required"),
        (1.0, 10.0, "invalid_location"),  # outside Indonesia
    ],
)
def test_hub_outside_the_area_or_impossible_is_refused(world: World, lat: Any, lng: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_hub(actor=world.staff, code="hub-x", name="Hub X", lat=lat, lng=lng)
    assert caught.value.code == code
    assert not Hub.objects.filter(code="hub-x").exists()
    assert not StockLocation.objects.filter(code="hub-x").exists()


def test_only_staff_create_hubs(world: World) -> None:
    with pytest.raises(Forbidden):
        services.create_hub(actor=world.operator, code="hub-y", name="Hub Y", lat=-7.637, lng=111.534)


def test_negative_capacity_is_refused(world: World) -> None:
    with pytest.raises(ValidationFailed):
        services.create_hub(actor=world.staff, code="hub-z", name="Hub Z", lat=-7.637, lng=111.534, capacity_slots=-1)
    user = create_user(username="kurir2", roles=[Role.KURIR])
    with pytest.raises(ValidationFailed):
        services.register_courier(
            user,
            actor=world.operator,
            vehicle="motor",
            home_hub=world.hub,
            shift_start="08:00",
            shift_end="16:00",
            capacity_kg=-5,
        )
    assert not hasattr(user, "courier") or user.courier is None


def test_courier_needs_the_kurir_role_and_a_sane_shift(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.register_courier(
            world.joko,
            actor=world.operator,
            vehicle="motor",
            home_hub=world.hub,
            shift_start="08:00",
            shift_end="16:00",
        )
    assert caught.value.code == "not_courier"
    user = create_user(username="kurir3", roles=[Role.KURIR])
    with pytest.raises(ValidationFailed):
        services.register_courier(
            user, actor=world.operator, vehicle="becak", home_hub=world.hub, shift_start="16:00", shift_end="08:00"
        )
    courier = services.register_courier(
        user, actor=world.operator, vehicle="becak", home_hub=world.hub, shift_start="08:00", shift_end="16:00"
    )
    assert courier.capacity_kg == 80 and courier.cost_per_km == 300  # the solver's becak defaults


def test_consignment_moves_hub_stock_with_its_actor(world: World) -> None:
    moved = services.consign(world.hub, world.nasi, 10, direction="in", actor=world.operator, note="titip")
    stock = Stock.objects.get(variant=world.nasi, location=world.hub.location)
    assert stock.quantity == 10 and moved.balance_after == 10 and moved.actor == world.operator
    services.consign(world.hub, world.nasi, 4, direction="out", actor=world.sri)
    stock.refresh_from_db()
    assert stock.quantity == 6
    with pytest.raises(Conflict):
        services.consign(world.hub, world.nasi, 7, direction="out", actor=world.operator)
    with pytest.raises(Forbidden):
        services.consign(world.hub, world.nasi, 1, direction="in", actor=world.joko)
    stock.refresh_from_db()
    assert stock.quantity == 6
    assert ConsignmentMovement.objects.count() == 2


def test_delivery_goes_to_the_nearest_open_hub_with_room(world: World) -> None:
    far = services.create_hub(
        actor=world.staff, code="hub-far", name="Hub Jauh", lat=-7.6450, lng=111.5243, service_radius_m=5_000
    )
    world.hub.capacity_slots = 1
    world.hub.save()
    first = new_delivery(world)
    assert first.hub == world.hub  # nearest
    second = new_delivery(world)
    assert second.hub == far  # nearest is full
    assert first.pickup_from == Delivery.PickupFrom.SHOP
    assert first.status == Delivery.Status.PENDING
    assert DeliveryEvent.objects.filter(delivery=first, action="create").exists()


def test_full_hubs_give_a_clear_error_and_nothing_is_written(world: World) -> None:
    order = packed_order(world)
    world.hub.capacity_slots = 0  # (a closed hub takes it for its next opening: test_checkout_quote)
    world.hub.save()
    with pytest.raises(Conflict) as caught:
        new_delivery(world, order)
    assert caught.value.code == "no_hub_available" and "penuh" in str(caught.value.message)
    assert not Delivery.objects.exists()


def test_delivery_outside_the_area_is_refused(world: World) -> None:
    order = packed_order(world)
    with pytest.raises(ValidationFailed) as caught:
        new_delivery(world, order, lat=-7.25, lng=112.75)  # Surabaya
    assert caught.value.code == "outside_area"
    with pytest.raises(ValidationFailed):
        new_delivery(world, order, lat=-100, lng=111.5)
    assert not Delivery.objects.exists()


def test_only_hub_orders_that_are_ready(world: World) -> None:
    order = packed_order(world)
    Order.objects.filter(pk=order.pk).update(delivery_method="pickup")
    with pytest.raises(ValidationFailed):
        new_delivery(world, order)
    Order.objects.filter(pk=order.pk).update(delivery_method="hub", status="delivered")
    with pytest.raises(Conflict):
        new_delivery(world, order)
    Order.objects.filter(pk=order.pk).update(status="packed")
    with pytest.raises(Forbidden):
        services.create_delivery(order, actor=world.joko, lat=BUYER_POINT[0], lng=BUYER_POINT[1], address="x")
    new_delivery(world, order)
    with pytest.raises(Conflict):
        new_delivery(world, order)


def test_nearest_hubs_vectorised_respects_reach_and_capacity() -> None:
    hubs = [
        HubSlot(hub_id=1, lat=-7.60, lng=111.50, radius_m=2_000, slots_left=1, weight_left=100),
        HubSlot(hub_id=2, lat=-7.62, lng=111.52, radius_m=5_000, slots_left=5, weight_left=3),
    ]
    points = [(-7.601, 111.501), (-7.601, 111.501), (-7.621, 111.521), (-8.5, 112.5)]
    assert services.nearest_hubs(points, [1, 1, 5, 1], hubs) == [1, 2, None, None]


def test_full_flow_updates_the_order_notifies_and_pays_the_courier(world: World) -> None:
    delivery = assigned(world)
    assert delivery.courier == world.courier
    assert Message.objects.filter(recipient=world.joko, event="fulfillment.assigned").exists()
    assert Message.objects.filter(recipient=world.sri, event="fulfillment.assigned").exists()

    with pytest.raises(Conflict):  # not picked up yet
        services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery))
    with pytest.raises(Forbidden):
        services.mark_picked_up(delivery, actor=world.joko)

    services.mark_picked_up(delivery, actor=world.andi)
    delivery.order.refresh_from_db()
    assert delivery.order.status == "shipped"

    with pytest.raises(ValidationFailed) as caught:
        services.mark_delivered(
            delivery, actor=world.andi, otp="000000" if services.otp_for(delivery) != "000000" else "1"
        )
    assert caught.value.code == "wrong_otp"
    delivery.refresh_from_db()
    assert delivery.otp_attempts == 1 and delivery.status == Delivery.Status.PICKED_UP
    with pytest.raises(ValidationFailed):
        services.mark_delivered(delivery, actor=world.andi)  # no proof

    services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery))
    delivery.refresh_from_db()
    delivery.order.refresh_from_db()
    assert delivery.status == Delivery.Status.DELIVERED and delivery.proof_kind == "otp"
    assert delivery.on_time is True
    assert delivery.order.status == "delivered"
    earning = CourierEarning.objects.get(delivery=delivery)
    assert earning.amount == world.courier.earning_per_delivery
    assert Message.objects.filter(recipient=world.joko, event="fulfillment.delivered").exists()
    actions = list(DeliveryEvent.objects.filter(delivery=delivery).values_list("action", flat=True))
    assert actions == ["create", "batch", "assign", "pick_up", "deliver"]
    assert str(services.otp_for(delivery)) not in delivery.otp_hash


def test_otp_locks_after_too_many_wrong_codes(world: World) -> None:
    delivery = assigned(world)
    services.mark_picked_up(delivery, actor=world.andi)
    wrong = "1" if services.otp_for(delivery) != "1" else "2"
    for _ in range(5):
        with pytest.raises(ValidationFailed):
            services.mark_delivered(delivery, actor=world.andi, otp=wrong)
    with pytest.raises(Conflict) as caught:
        services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery))
    assert caught.value.code == "otp_locked"


def test_photo_proof_is_checked_by_content(world: World) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    delivery = assigned(world)
    services.mark_picked_up(delivery, actor=world.andi)
    fake = SimpleUploadedFile("foto.jpg", b"not an image at all", content_type="image/jpeg")
    with pytest.raises(ValidationFailed):
        services.mark_delivered(delivery, actor=world.andi, photo=fake)
    from tests.images import PNG

    png = SimpleUploadedFile("x.txt", PNG, content_type="text/plain")
    done = services.mark_delivered(delivery, actor=world.andi, photo=png)
    assert done.proof_kind == "photo" and done.proof_photo.name.endswith(".png")


def test_failed_needs_a_reason_and_notifies(world: World) -> None:
    delivery = assigned(world)
    with pytest.raises(ValidationFailed):
        services.mark_failed(delivery, actor=world.andi, reason="  ")
    services.mark_failed(delivery, actor=world.andi, reason="Rumah kosong")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED and delivery.fail_reason == "Rumah kosong"
    assert Message.objects.filter(recipient=world.joko, event="fulfillment.failed").exists()
    for refused in (
        lambda: services.mark_picked_up(delivery, actor=world.andi),
        lambda: services.mark_delivered(delivery, actor=world.andi, otp=services.otp_for(delivery)),
        lambda: services.mark_failed(delivery, actor=world.andi, reason="lagi"),
        lambda: services.cancel_delivery(delivery, actor=world.operator),
    ):
        with pytest.raises(Conflict) as caught:
            refused()
        assert (caught.value.code, caught.value.details) == ("invalid_transition", {"status": "failed"})
        assert str(caught.value) == "Antaran berstatus “Gagal diantar” tidak bisa diubah begitu."


def test_cancelled_order_cancels_its_delivery(world: World, django_capture_on_commit_callbacks: Any) -> None:
    delivery = new_delivery(world)
    with django_capture_on_commit_callbacks(execute=True):
        market.transition(delivery.order, "cancel", actor=world.sri, note="stok habis")
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.CANCELLED


def test_gps_pings_validated_and_rate_limited(world: World) -> None:
    now = timezone.now()
    ping = services.record_ping(world.andi, lat=-7.6375, lng=111.5347, accuracy=12, recorded_at=now.isoformat())
    world.courier.refresh_from_db()
    assert world.courier.last_ping_at == ping.recorded_at
    with pytest.raises(services.TooManyRequests):
        services.record_ping(world.andi, lat=-7.6376, lng=111.5347, accuracy=12, recorded_at=now + timedelta(seconds=2))
    with pytest.raises(Conflict):  # not newer
        services.record_ping(
            world.andi, lat=-7.6376, lng=111.5347, accuracy=12, recorded_at=now - timedelta(seconds=60)
        )
    with pytest.raises(ValidationFailed):
        services.record_ping(world.andi, lat=-7.25, lng=112.75, accuracy=12, recorded_at=now + timedelta(seconds=10))
    with pytest.raises(ValidationFailed):
        services.record_ping(
            world.andi, lat=-7.6376, lng=111.5347, accuracy=9000, recorded_at=now + timedelta(seconds=10)
        )
    with pytest.raises(ValidationFailed):
        services.record_ping(world.andi, lat=-7.6376, lng=111.5347, accuracy=5, recorded_at=now + timedelta(hours=1))
    with pytest.raises(Forbidden):  # not a courier
        services.record_ping(world.joko, lat=-7.6376, lng=111.5347, accuracy=5, recorded_at=now + timedelta(seconds=10))
    world.courier.refresh_from_db()
    assert world.courier.last_ping_at == ping.recorded_at and world.courier.pings.count() == 1


def test_ping_for_another_couriers_delivery_is_forbidden(world: World) -> None:
    delivery = assigned(world)
    budi = create_user(username="budi", roles=[Role.KURIR])
    other = services.register_courier(
        budi, actor=world.operator, vehicle="sepeda", home_hub=world.hub, shift_start=time(0), shift_end=time(23)
    )
    with pytest.raises(Forbidden):
        services.record_ping(
            budi, lat=-7.6376, lng=111.5347, accuracy=5, recorded_at=timezone.now(), delivery_code=delivery.code
        )
    other.refresh_from_db()
    assert other.last_ping_at is None and other.pings.count() == 0


def test_hubs_of_tenant_a_are_invisible_in_tenant_b(world: World, tenant_b: Tenant) -> None:
    code = world.hub.code
    delivery = new_delivery(world)
    with tenant_b:
        assert not Hub.objects.filter(code=code).exists()
        assert not Delivery.objects.filter(code=delivery.code).exists()
        make_world(tenant_b, prefix="b")
        assert Hub.objects.count() == 1
        assert not Delivery.objects.exists()
        with pytest.raises(DomainError):
            services.record_ping(
                world.andi, lat=-7.645, lng=111.524, accuracy=5, recorded_at=timezone.now(), delivery_code=delivery.code
            )


def test_typed_thousands_are_not_read_as_units(world: World) -> None:
    """ "1.000" is a thousand (it went through float and became 1): rupiah fields read it as
    rupiah, counts as a count; "1,000" and "1.5" are refused, nothing written."""
    user = create_user(username="kurir4", roles=[Role.KURIR])
    courier = services.register_courier(
        user,
        actor=world.operator,
        vehicle="motor",
        home_hub=world.hub,
        shift_start="08:00",
        shift_end="16:00",
        capacity_kg="1.000",
        cost_per_km="1.000",
        earning_per_delivery="Rp6.000",
    )
    assert (courier.capacity_kg, courier.cost_per_km, courier.earning_per_delivery) == (1_000, 1_000, 6_000)
    for typed in ("1,000", "1.5"):
        with pytest.raises(ValidationFailed):
            services.consign(world.hub, world.nasi, typed, direction="in", actor=world.operator)
    assert not ConsignmentMovement.objects.filter(variant=world.nasi).exists()
