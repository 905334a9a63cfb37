"""What couriers, shops and hub staff type (a fail reason, a delivery address, a hub's name and
address, a consignment note) is refused past its column with a clear 4xx ("too_long"), never
cut silently, and the refusal changes nothing."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationFailed
from apps.fulfillment import services
from apps.fulfillment.models import ConsignmentMovement, Delivery, Hub
from apps.marketplace.models import Stock, StockLocation

from .conftest import World, assigned, new_delivery, packed_order, signed_in

pytestmark = pytest.mark.django_db

LONG = "Rumah kosong, pagar dikunci, tetangga bilang pemilik ke luar kota sampai minggu depan. " * 3  # 258


def _too_long(caught: pytest.ExceptionInfo[ValidationFailed], field: str, n: int) -> None:
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(caught.value.message) == f"Paling banyak {n} huruf."


def test_a_courier_fail_reason_too_long_is_refused_on_the_route_page(world: World) -> None:
    assert len(LONG.strip()) > 255
    delivery = assigned(world)
    phone = signed_in(world.tenant, world.andi)
    response = phone.post(f"/antar/kurir/{delivery.code}/gagal/", {"reason": LONG}, HTTP_HX_REQUEST="true")
    assert response.status_code == 422
    assert "Paling banyak 255 huruf." in response.content.decode()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.ASSIGNED and delivery.fail_reason == ""
    assert not delivery.events.filter(action="fail").exists()
    with pytest.raises(ValidationFailed) as caught:
        services.mark_failed(delivery, actor=world.andi, reason=LONG)
    _too_long(caught, "reason", 255)


def test_a_fail_reason_of_255_is_kept_whole(world: World) -> None:
    delivery = assigned(world)
    reason = LONG.strip()[:255]
    services.mark_failed(delivery, actor=world.andi, reason=reason)
    delivery.refresh_from_db()
    assert delivery.fail_reason == reason and delivery.events.get(action="fail").note == reason


def test_a_cancel_reason_too_long_is_refused(world: World) -> None:
    delivery = new_delivery(world)
    with pytest.raises(ValidationFailed) as caught:
        services.cancel_delivery(delivery, actor=world.operator, reason=LONG)
    _too_long(caught, "reason", 255)
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.PENDING and delivery.fail_reason == ""


def test_a_delivery_address_too_long_is_refused_on_the_send_page(world: World) -> None:
    order = packed_order(world)
    shop = signed_in(world.tenant, world.sri)
    response = shop.post(
        f"/antar/kirim/{order.pk}/", {"address": "Jl. Mojorejo " + "x" * 243, "lat": "-7.6401", "lng": "111.5372"}
    )
    assert response.status_code == 422
    assert "Paling banyak 255 huruf." in response.content.decode()
    assert not Delivery.objects.exists()
    with pytest.raises(ValidationFailed) as caught:
        new_delivery(world, order=order, address="a" * 256)
    _too_long(caught, "address", 255)
    assert not Delivery.objects.exists()


def test_a_hub_with_a_long_name_or_address_is_refused_and_nothing_changes(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.create_hub(actor=world.staff, code="hub-x", name="Hub X", lat=-7.637, lng=111.534, address=LONG)
    _too_long(caught, "address", 255)
    assert not Hub.objects.filter(code="hub-x").exists()
    assert not StockLocation.objects.filter(code="hub-x").exists()
    hub = world.hub
    for name, address, field, n in (("H" * 121, "", "name", 120), ("Hub Baru", LONG, "address", 255)):
        with pytest.raises(ValidationFailed) as caught:
            services.update_hub(hub, actor=world.staff, name=name, address=address, lat=hub.lat, lng=hub.lng)
        _too_long(caught, field, n)
    hub.refresh_from_db()
    assert hub.name == "Hub Mojorejo"


def test_a_consignment_note_too_long_moves_no_stock(world: World) -> None:
    with pytest.raises(ValidationFailed) as caught:
        services.consign(world.hub, world.nasi, 10, direction="in", actor=world.operator, note=LONG)
    _too_long(caught, "note", 255)
    assert not Stock.objects.filter(variant=world.nasi, location=world.hub.location, quantity__gt=0).exists()
    assert not ConsignmentMovement.objects.exists()
