"""Control the clock in a test with time-machine: every clock the code can read (`timezone.now()`,
`datetime.now()`, `date.today()`, `time.time()`, so also `localtime()`, `localdate()` and
`auto_now` fields) returns the moment the test chose; PostgreSQL's own `now()` does not move.

    def test_x(time_machine: TimeMachineFixture) -> None:
        freeze(time_machine, jakarta(None, time(5, 0)))   # 05:00 in Madiun, today
        ...
        freeze(time_machine, timezone.now() + timedelta(days=2))  # two days later

or, without the fixture, `with frozen(moment): ...`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.utils import timezone

JAKARTA = ZoneInfo("Asia/Jakarta")


def jakarta(day: datetime | date | None, at: time) -> datetime:
    """`at` (local Asia/Jakarta time) on `day`'s date (default: today in Jakarta)."""
    if day is None:
        day = timezone.now()
    base = day.astimezone(JAKARTA).date() if isinstance(day, datetime) else day
    return datetime.combine(base, at, tzinfo=JAKARTA)


def next_at(at: time) -> datetime:
    """The next moment (after now) that is `at` local Asia/Jakarta time: today's, or tomorrow's."""
    today = jakarta(None, at)
    return today if today > timezone.now() else jakarta(today + timedelta(days=1), at)


def freeze(traveller: time_machine.TimeMachineFixture, moment: datetime) -> datetime:
    """Stop the clock at `moment` (aware) for the rest of the test; call again to move it."""
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    traveller.move_to(moment, tick=False)
    return moment


@contextmanager
def frozen(moment: datetime) -> Iterator[datetime]:
    """The clock stands at `moment` (aware) inside the block."""
    if moment.tzinfo is None:
        raise ValueError("frozen() needs an aware datetime")
    with time_machine.travel(moment, tick=False):
        yield moment
