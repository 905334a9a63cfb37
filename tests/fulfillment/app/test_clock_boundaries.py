"""Hub hours and courier shifts are Madiun wall-clock times: a hub open 07:00-21:00 takes no
parcel for now at 06:59:59 (it takes it for 07:00) and takes it at 07:00; at 21:00 the next span is
tomorrow's; a courier on a 07:00-21:00 shift is planned from 07:00 and no longer at 21:00."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.fulfillment import hours, services
from tests.clock import freeze, jakarta

from .conftest import World, new_delivery, packed_order

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)
OPENS, CLOSES = jakarta(MONDAY, time(7, 0)), jakarta(MONDAY, time(21, 0))
SECOND = timedelta(seconds=1)


@pytest.fixture
def seven_to_nine(world: World) -> World:
    world.hub.opening_hours = {str(d): ["07:00", "21:00"] for d in range(7)}
    world.hub.save(update_fields=["opening_hours"])
    world.courier.shift_start, world.courier.shift_end = time(7, 0), time(21, 0)
    world.courier.save(update_fields=["shift_start", "shift_end"])
    return world


def test_the_hub_opens_at_07_00_and_closes_at_21_00(seven_to_nine: World, time_machine: TimeMachineFixture) -> None:
    world = seven_to_nine
    before = freeze(time_machine, OPENS - SECOND)
    order = packed_order(world)  # hub delivery is offered: the hub opens at 07:00
    assert hours.open_span(world.hub, before) == (OPENS, CLOSES)
    assert hours.next_opening() == (world.hub, OPENS)
    # Sent a second before opening: taken for the hub's opening, its first cut-off after 07:00.
    early = new_delivery(world, order, window_start=None, window_end=None)
    assert early.hub == world.hub and early.window_start >= OPENS
    freeze(time_machine, OPENS)
    assert hours.open_span(world.hub, OPENS) == (OPENS, CLOSES)
    assert new_delivery(world).hub == world.hub
    assert hours.open_span(world.hub, CLOSES - SECOND) == (CLOSES - SECOND, CLOSES)
    tomorrow = MONDAY + timedelta(days=1)
    freeze(time_machine, CLOSES)
    assert hours.open_span(world.hub, CLOSES) == (jakarta(tomorrow, time(7)), jakarta(tomorrow, time(21)))
    opening = hours.next_opening()
    assert opening is not None and hours.describe(opening[1]) == "besok 07:00"


def test_a_courier_works_from_07_00_until_21_00(seven_to_nine: World, time_machine: TimeMachineFixture) -> None:
    world = seven_to_nine
    freeze(time_machine, OPENS)
    new_delivery(world, window_end=CLOSES + timedelta(hours=2))
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    deliveries = list(job.batch.deliveries.all())

    def shifts(now: datetime) -> list[tuple[int, int]]:  # seconds from local midnight
        problem = services.build_problem(job.batch, deliveries, now)[0]
        return [(v.shift.start, v.shift.end) for v in problem.vehicles]

    seven, nine = 7 * 3600, 21 * 3600
    assert shifts(OPENS) == [(seven, nine)]
    assert shifts(CLOSES - SECOND) == [(nine - 1, nine)]
    assert shifts(CLOSES) == []
