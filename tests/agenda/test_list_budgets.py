"""Query budgets of the agenda lists (API, calendar page, iCal feeds): same count at n and 10n, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from apps.agenda.models import Audience
from apps.rtrw.models import RukunTetangga
from tests.agenda.conftest import EventFactory
from tests.budgets import assert_list_budget

pytestmark = pytest.mark.django_db


def _grower(make_event: EventFactory, units: dict[tuple[int, int], RukunTetangga]) -> Callable[[int], None]:
    """Events for every audience (public, an RW, an RT, staff): each labels its unit differently."""
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            kind = made[0] % 4
            extra: dict[str, object] = {}
            audience = [Audience.PUBLIC, Audience.RW, Audience.RT, Audience.STAFF][kind]
            if audience in (Audience.RW, Audience.RT):
                extra["rw"] = units[(1, 2)].rw.number
            if audience == Audience.RT:
                extra["rt"] = units[(1, 2)].number
            make_event(f"Kegiatan {made[0]}", audience, day=1 + made[0] % 20, **extra)
            made[0] += 1

    return grow


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agenda/events/?page_size=100",
        "/agenda/?tampilan=daftar",
        "/agenda/",
        "/agenda/ical/",
        "/agenda/ical/rw/1/",
        "/agenda/ical/rt/1/2/",
    ],
)
def test_agenda_lists(
    staff_a: Client, make_event: EventFactory, units_a: dict[tuple[int, int], RukunTetangga], path: str
) -> None:
    assert_list_budget(lambda: staff_a.get(path), _grower(make_event, units_a))
