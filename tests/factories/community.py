"""RT life: kas RT (a cash book with a treasurer), iuran schedules, arisan groups, agenda events,
through the community and agenda services (the cash book opens its ledger accounts, the
treasurer is assigned by the ketua, events are checked and audited)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.agenda import services as agenda
from apps.agenda.models import Audience, Event
from apps.community import services
from apps.community.models import ArisanGroup, CashBook, IuranSchedule
from apps.rtrw.models import Residency, RukunTetangga

from .accounts import ResidencyFactory, RtFactory, UserFactory, staff
from .base import ServiceFactory


@dataclass
class KasRt:
    rt: RukunTetangga
    book: CashBook
    ketua: User
    treasurer: User


def kas_rt(rt: RukunTetangga | None = None) -> KasRt:
    """An RT with a ketua, a treasurer living there (assigned by the ketua) and its cash book."""
    rt = rt or RtFactory()
    ketua = UserFactory(roles=[Role.KETUA_RT])
    rt.ketua = ketua
    rt.save(update_fields=["ketua"])
    treasurer = ResidencyFactory(rt=rt).user
    services.assign_treasurer(rt, treasurer, actor=ketua)
    return KasRt(rt, services.open_cash_book(rt), ketua, treasurer)


def resident(rt: RukunTetangga, **user: Any) -> User:
    """A warga living in `rt`."""
    return ResidencyFactory(rt=rt, **{f"user__{k}": v for k, v in user.items()}).user


class IuranScheduleFactory(ServiceFactory):
    """The monthly iuran of a kas RT from `start_month` (default: this month), set by its treasurer."""

    class Meta:
        model = IuranSchedule

    kas = factory.LazyFunction(kas_rt)
    amount = 10_000
    start_month = factory.LazyFunction(lambda: services.this_month())

    @classmethod
    def _service(cls, *, kas: KasRt, amount: int, start_month: date) -> IuranSchedule:
        return services.set_schedule(kas.book, actor=kas.treasurer, amount=amount, start_month=start_month)


class ArisanGroupFactory(ServiceFactory):
    """An arisan of the RT's residents (the organiser and `members` more), in FORMING status
    unless `commit=True` (the random draw's seed committed)."""

    class Meta:
        model = ArisanGroup

    organiser = factory.LazyFunction(lambda: ResidencyFactory().user)
    name = factory.Sequence(lambda n: f"Arisan Uji {n}")
    contribution = 50_000
    period = ArisanGroup.Period.MONTHLY
    draw_method = ArisanGroup.DrawMethod.RANDOM
    start_date = factory.LazyFunction(timezone.localdate)
    members = 2
    commit = False

    @classmethod
    def _service(cls, *, organiser: User, members: int, commit: bool, **kwargs: Any) -> ArisanGroup:
        rt = Residency.objects.get(user=organiser).rt
        group = services.create_group(organiser=organiser, rt=rt, **kwargs)
        for _ in range(members):
            services.add_member(group, resident(rt), actor=organiser)
        if commit:
            group = services.commit_draw(group, actor=organiser)
        group.refresh_from_db()
        return group


def _in_days(days: int, hour: int) -> datetime:
    local = timezone.localtime() + timedelta(days=days)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


class EventFactory(ServiceFactory):
    """A public agenda event `days` from today, `hour`:00 for two hours (local time), created
    by a petugas; give `starts_at`/`ends_at` to place it exactly."""

    class Meta:
        model = Event

    title = factory.Sequence(lambda n: f"Kerja bakti {n}")
    days = 3
    hour = 8
    starts_at: Any = None
    ends_at: Any = None
    place_name = "Balai RW"
    organiser = "Panitia"
    audience = Audience.PUBLIC
    by = factory.LazyFunction(staff)

    @classmethod
    def _service(
        cls,
        *,
        days: int,
        hour: int,
        starts_at: datetime | None,
        ends_at: datetime | None,
        by: User,
        **kwargs: Any,
    ) -> Event:
        start = starts_at or _in_days(days, hour)
        end = ends_at or start + timedelta(hours=2)
        return agenda.create_event(agenda.EventInput(starts_at=start, ends_at=end, **kwargs), by=by)
