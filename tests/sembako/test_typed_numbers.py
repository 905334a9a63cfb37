"""Prices and quantities as people type them into Sembako Pintar: a price is read as rupiah
("Rp12.500"), a quantity as a whole count; "1.5" is neither (it was read as 15)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.sembako import services
from apps.sembako.models import HouseholdOrder, Round
from tests.marketplace.conftest import signed_in

from .conftest import World, key, open_round

pytestmark = pytest.mark.django_db


def test_a_household_typing_one_and_a_half_orders_nothing(world: World) -> None:
    round = open_round(world)
    beras = round.items.get(name="Beras medium")
    client = signed_in(world.tenant, world.joko)
    refused = client.post(f"/sembako/{round.pk}/pesan/", {f"qty-{beras.pk}": "1.5", "fulfilment": "pickup"})
    assert refused.status_code == 422  # was 302 with an order of 15 kg
    assert not HouseholdOrder.objects.filter(round=round).exists()
    beras.refresh_from_db()
    assert beras.ordered == 0


def _round_form(world: World, price: str) -> dict[str, str]:
    return {
        "hub": str(world.hub.pk),
        "idempotency_key": key(),
        "title": "Sembako Februari",
        "closes_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "item-0-name": "Gula pasir",
        "item-0-unit": "kg",
        "item-0-price": price,
    }


def test_the_organiser_types_prices_as_rupiah(world: World) -> None:
    organiser = signed_in(world.tenant, world.organiser)
    assert organiser.post("/sembako/buka/", _round_form(world, "12.5")).status_code == 422  # was Rp125
    assert not Round.objects.filter(title="Sembako Februari").exists()
    assert organiser.post("/sembako/buka/", _round_form(world, "Rp16.000")).status_code == 302  # was refused
    round = Round.objects.get(title="Sembako Februari")
    assert list(round.items.values_list("name", "price")) == [("Gula pasir", 16_000)]


@pytest.mark.parametrize(
    ("price", "cap", "expected"),
    [
        ("Rp12.500", None, (12_500, None)),
        ("12.500,00", "1.000", (12_500, 1_000)),
        (12_500, 3, (12_500, 3)),
        (12_500.0, 3.0, (12_500, 3)),
    ],
)
def test_item_prices_and_caps_are_read(world: World, price: Any, cap: Any, expected: tuple[int, int | None]) -> None:
    items = [services.ItemSpec(name="Gula", unit="kg", price=price, cap=cap)]
    round = services.open_round(
        world.organiser, title="Gula", closes_at=timezone.now() + timedelta(days=1), hub=world.hub, items=items
    )
    assert round.items.values_list("price", "cap").get() == expected


@pytest.mark.parametrize(
    ("price", "cap", "code"),
    [
        ("1.5", None, "not_integer"),  # was Rp15
        ("1.50", None, "not_integer"),  # was Rp150
        ("1.500,50", None, "not_integer"),
        (12_500.5, None, "not_integer"),
        ("0", None, "out_of_range"),
        ("-5.000", None, "out_of_range"),
        ("10.000.001", None, "out_of_range"),
        (12_500, "2.5", "not_integer"),  # was a cap of 25
        (12_500, "Rp3", "not_integer"),  # a count, not money
        (12_500, "0", "out_of_range"),
    ],
)
def test_misread_prices_and_caps_are_refused(world: World, price: Any, cap: Any, code: str) -> None:
    items = [services.ItemSpec(name="Gula", unit="kg", price=price, cap=cap)]
    with pytest.raises(ValidationFailed) as caught:
        services.open_round(
            world.organiser, title="Gula", closes_at=timezone.now() + timedelta(days=1), hub=world.hub, items=items
        )
    assert caught.value.code == code
    assert not Round.objects.filter(title="Gula").exists()


@pytest.mark.parametrize(("quantity", "code"), [("1.5", "not_integer"), ("0.5", "not_integer"), ("51", "out_of_range")])
def test_misread_quantities_are_refused(world: World, quantity: str, code: str) -> None:
    round = open_round(world)
    beras = round.items.get(name="Beras medium")
    with pytest.raises(ValidationFailed) as caught:
        services.place_order(world.joko, round, quantities={beras.pk: quantity})
    assert caught.value.code == code
    assert not HouseholdOrder.objects.filter(round=round).exists()
