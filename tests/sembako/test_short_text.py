"""What the organiser types when opening a round (title, item names, units, commodities) and the
delivery address a household types are refused when too long, never cut, and nothing is written."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.core.errors import ValidationFailed
from apps.sembako import services
from apps.sembako.models import HouseholdOrder, Round
from tests.marketplace.conftest import signed_in

from .conftest import HOME, World, key, open_round

pytestmark = pytest.mark.django_db


def _open(world: World, title: str = "Sembako Januari", **item: Any) -> Round:
    typed: dict[str, Any] = {"name": "Gula pasir", "unit": "kg", "price": 16_000}
    spec = services.ItemSpec(**(typed | item))
    return services.open_round(
        world.organiser, title=title, closes_at=timezone.now() + timedelta(days=2), hub=world.hub, items=[spec]
    )


@pytest.mark.parametrize(
    ("field", "typed", "bound"),
    [
        ("title", {"title": "J" * 121}, 120),
        ("name", {"name": "G" * 121}, 120),
        ("unit", {"unit": "u" * 21}, 20),
        ("commodity", {"commodity": "c" * 81}, 80),
    ],
)
def test_open_round_refuses_too_long_text(world: World, field: str, typed: dict[str, Any], bound: int) -> None:
    with pytest.raises(ValidationFailed) as caught:
        _open(world, **typed)
    assert caught.value.code == "too_long" and caught.value.details["field"] == field
    assert str(bound) in str(caught.value.message)
    assert not Round.objects.exists()


def test_open_round_keeps_text_at_the_bound_whole(world: World) -> None:
    round = _open(world, title="  " + "J" * 120, name="G" * 120, unit="u" * 20, commodity="c" * 80)
    item = round.items.get()
    assert (round.title, item.name, item.unit, item.commodity) == ("J" * 120, "G" * 120, "u" * 20, "c" * 80)


def test_open_round_page_refuses_a_too_long_item_name(world: World) -> None:
    organiser = signed_in(world.tenant, world.organiser)
    form = {
        "idempotency_key": key(),
        "title": "Sembako Januari",
        "closes_at": (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M"),
        "hub": str(world.hub.pk),
        "item-0-name": "Gula pasir " + "g" * 110,
        "item-0-unit": "kg",
        "item-0-price": "16000",
    }
    response = organiser.post("/sembako/buka/", form)
    assert response.status_code == 422 and "Paling banyak 120 huruf." in response.content.decode()
    assert not Round.objects.exists()


def test_order_page_refuses_a_too_long_delivery_address(world: World) -> None:
    round = open_round(world)
    beras = round.items.get(name="Beras medium")
    client = signed_in(world.tenant, world.andi)
    form = {
        f"qty-{beras.pk}": "1",
        "fulfilment": "delivery",
        "address": "Jl. Mojorejo " + "x" * 244,
        "lat": str(HOME[0]),
        "lng": str(HOME[1]),
    }
    response = client.post(f"/sembako/{round.pk}/pesan/", form)
    assert response.status_code == 422 and "Paling banyak 255 huruf." in response.content.decode()
    assert not HouseholdOrder.objects.filter(round=round).exists()
    beras.refresh_from_db()
    assert beras.ordered == 0
