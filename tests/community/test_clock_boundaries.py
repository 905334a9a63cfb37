"""Iuran and arisan reminders on the real clock (the beat task passes no date), at Madiun's
midnight while UTC is still on the day before: the iuran month turns at 00:00 WIB on the 1st
(also from 31 December to 1 January) and a new month's reminder lists what is overdue, not the
new month before the reminder day; an arisan round is reminded from 00:00 WIB of its due date;
monthly rounds keep the start day, clamped to short months."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.community import services
from apps.notifications.models import Message
from tests.clock import JAKARTA, freeze, jakarta
from tests.community.conftest import World, user

pytestmark = pytest.mark.django_db
EVENT = "community.iuran_reminder"


@pytest.mark.parametrize(
    ("last_day", "label", "next_label"),
    [(date(2026, 1, 31), "2026-01", "2026-02"), (date(2026, 12, 31), "2026-12", "2027-01")],
    ids=["31-jan-to-1-feb", "31-dec-to-1-jan"],
)
def test_the_iuran_month_and_its_reminder_turn_at_midnight_in_madiun(
    world: World, time_machine: TimeMachineFixture, last_day: date, label: str, next_label: str
) -> None:
    freeze(time_machine, jakarta(last_day, time(23, 59, 59)))
    services.set_schedule(world.rt1.book, actor=world.rt1.treasurer, amount=10_000, start_month=f"{label}-01")
    assert services.this_month() == last_day.replace(day=1)
    households = services.send_iuran_reminders()
    assert households == 3  # sri, joko and the treasurer owe this month (past the reminder day)
    assert label in Message.objects.filter(event=EVENT, recipient=world.joko).latest("pk").body
    assert services.send_iuran_reminders() == 0  # once a month
    midnight = freeze(time_machine, jakarta(last_day + timedelta(days=1), time(0, 0)))
    assert midnight.astimezone(UTC).date() == last_day  # UTC is still on the last day
    assert services.this_month() == last_day + timedelta(days=1)
    assert services.send_iuran_reminders() == households  # a new month: a new reminder each
    body = Message.objects.filter(event=EVENT, recipient=world.joko).latest("pk").body
    assert label in body and next_label not in body  # the new month is not due before the reminder day


def test_an_arisan_round_is_reminded_from_midnight_of_its_due_date_in_madiun(
    world: World, time_machine: TimeMachineFixture
) -> None:
    freeze(time_machine, datetime(2026, 1, 20, 9, 0, tzinfo=JAKARTA))
    group = services.create_group(
        organiser=world.rt1.ketua,
        name="Arisan PKK Uji",
        contribution=50_000,
        period="monthly",
        draw_method="agreed",
        start_date=date(2026, 1, 31),
    )
    for person in [world.sri, world.joko, user("anggota0"), user("anggota1")]:
        services.add_member(group, person, actor=world.rt1.ketua)
    services.set_agreed_order(
        group, list(group.members.order_by("pk").values_list("pk", flat=True)), actor=world.rt1.ketua
    )
    # Monthly from the 31st: the last day of each shorter month.
    assert list(group.rounds.order_by("number").values_list("due_date", flat=True)) == [
        date(2026, 1, 31),
        date(2026, 2, 28),
        date(2026, 3, 31),
        date(2026, 4, 30),
        date(2026, 5, 31),
    ]
    freeze(time_machine, jakarta(date(2026, 1, 30), time(23, 59, 59)))
    assert services.send_arisan_reminders() == 0
    midnight = freeze(time_machine, jakarta(date(2026, 1, 31), time(0, 0)))
    assert midnight.astimezone(UTC).date() == date(2026, 1, 30)
    assert services.send_arisan_reminders() == 5  # nobody (the organiser is a member too) paid round 1 yet
    assert Message.objects.filter(event="community.arisan_missed", recipient=world.joko).exists()
    freeze(time_machine, jakarta(date(2026, 2, 27), time(23, 59, 59)))
    assert services.send_arisan_reminders() == 0  # round 1 reminded once; round 2 not yet due
    freeze(time_machine, jakarta(date(2026, 2, 28), time(0, 0)))
    assert services.send_arisan_reminders() == 5
