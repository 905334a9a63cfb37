"""Hub hours decide what is offered: checkout only offers hub delivery while some hub can take
the order (open now, or its next opening, said as "Dikirim lewat hub mulai <jam>"); with no hub
opening within a week it is refused before anything is written or charged; the seller's "Kirim
lewat hub" before the hub opens is taken for its next opening (refusals: test_checkout_quote)."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.core.errors import ValidationFailed
from apps.fulfillment import hours
from apps.marketplace import services as market
from apps.marketplace.forms import CheckoutForm
from apps.marketplace.models import DeliveryMethod, Order, Placement
from tests.clock import freeze, jakarta
from tests.fulfillment.app.conftest import World, new_delivery, packed_order

pytestmark = pytest.mark.django_db
DAY = {str(d): ["07:00", "21:00"] for d in range(7)}


def _hub_hours(world: World, opening: dict[str, list[str]]) -> None:
    world.hub.opening_hours = opening
    world.hub.save(update_fields=["opening_hours"])


def _hub_choice(world: World) -> str | None:
    form = CheckoutForm(shops=[world.shop])
    labels = dict(form.fields[f"delivery_{world.shop.pk}"].choices)  # type: ignore[attr-defined]
    label = labels.get(DeliveryMethod.HUB)
    return None if label is None else str(label)


def test_open_span_and_next_opening(world: World, time_machine: TimeMachineFixture) -> None:
    _hub_hours(world, DAY)
    early = freeze(time_machine, jakarta(None, time(3, 0)))
    assert hours.open_span(world.hub, early) == (jakarta(early, time(7)), jakarta(early, time(21)))
    noon = jakarta(early, time(12))
    assert hours.open_span(world.hub, noon) == (noon, jakarta(early, time(21)))
    late = jakarta(early, time(20, 30))
    tomorrow = late + timedelta(days=1)
    # Less than the asked length left today: the next day's span.
    assert hours.open_span(world.hub, late, min_length=timedelta(hours=4)) == (
        jakarta(tomorrow, time(7)),
        jakarta(tomorrow, time(21)),
    )
    assert hours.next_opening(early) == (world.hub, jakarta(early, time(7)))
    assert hours.describe(jakarta(early, time(7)), early) == "07:00"
    assert hours.describe(jakarta(tomorrow, time(7)), late) == "besok 07:00"
    _hub_hours(world, {"0": ["07:00", "21:00"]})  # Mondays only
    assert hours.next_opening(early) is not None
    _hub_hours(world, {"0": ["07:00", "07:00"]})  # an empty span: never open
    assert hours.next_opening(early) is None


def test_checkout_offers_hub_delivery_with_its_start_time(world: World, time_machine: TimeMachineFixture) -> None:
    _hub_hours(world, DAY)
    freeze(time_machine, jakarta(None, time(5, 0)))
    label = _hub_choice(world)
    assert label is not None and "Dikirim lewat hub mulai 07:00" in label
    freeze(time_machine, jakarta(None, time(23, 30)))
    label = _hub_choice(world)
    assert label is not None and "Dikirim lewat hub mulai besok 07:00" in label
    freeze(time_machine, jakarta(None, time(12, 0)))
    label = _hub_choice(world)
    assert label is not None and "mulai" not in label  # open now: nothing to wait for
    # At night the order is still taken (the hub takes it from 07:00).
    order = packed_order(world)
    assert order.delivery_method == DeliveryMethod.HUB


def test_no_hub_opening_means_no_hub_delivery_and_nothing_written(world: World) -> None:
    world.hub.is_active = False
    world.hub.save(update_fields=["is_active"])
    assert _hub_choice(world) is None
    assert DeliveryMethod.PICKUP in dict(CheckoutForm(shops=[world.shop]).fields[f"delivery_{world.shop.pk}"].choices)  # type: ignore[attr-defined]
    before = (Order.objects.count(), Placement.objects.count())
    with pytest.raises(ValidationFailed) as caught:
        market.place_and_pay(
            world.joko,
            [(world.nasi.pk, 1)],
            idempotency_key="no-hub-1",
            payment_method="cod",
            delivery="hub",
            address="Jl. Mojorejo Gg. II No. 3",
        )
    assert caught.value.code == "hub_unavailable"
    assert (Order.objects.count(), Placement.objects.count()) == before


def test_the_seller_sends_before_opening_for_the_next_opening(world: World, time_machine: TimeMachineFixture) -> None:
    order = packed_order(world)  # placed while the hub is open
    _hub_hours(world, DAY)
    now = freeze(time_machine, jakarta(None, time(5, 0)))
    # Closed now, but it serves the point: taken for 07:00, no 409 (issue 19, problem 2).
    delivery = new_delivery(world, order, window_start=None, window_end=None)
    assert delivery.hub == world.hub and delivery.window_start >= jakarta(now, time(7))
