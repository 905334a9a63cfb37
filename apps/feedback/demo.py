"""Demo answers for the satisfaction dashboards (Kota Madiun kelurahan, before analytics rolls
the history up): thirty survey respondents who first used KotaKita in one of the last six months
and came back in some of the following ones, each active month answering one CSAT question
(mostly satisfied) and NPS once a quarter; Pak Joko has one question still open, so his home
page shows the card. Idempotent: nothing is added when the demo answers exist.
"""

from __future__ import annotations

import datetime
import random

from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.tenancy.models import Tenant

from .models import Kind, Prompt, Service
from .services import quarter_of

RESPONDENTS = 30
# The month (0 = this month, 5 = five months ago) each respondent first used KotaKita.
FIRST_MONTH = [5] * 8 + [4] * 6 + [3] * 5 + [2] * 5 + [1] * 4 + [0] * 2
SERVICES = [Service.REPORT] * 7 + [Service.ORDER] * 7 + [Service.PERMIT] * 3 + [Service.LOAN] * 3
CSAT_SCORES = [5, 5, 5, 4, 4, 4, 4, 3, 2, 5]
NPS_SCORES = [10, 10, 9, 9, 9, 8, 8, 7, 6, 4]
RETURN_CHANCE = 0.7
DEMO_PREFIX = "demo-"


def _respondent(tenant: Tenant, n: int) -> User:
    username = f"warga-survei-{n:02d}"
    user = User.objects.filter(username=username).first()
    return user or create_user(
        username=username, full_name=f"Responden {n:02d} {tenant.name}", roles=[Role.WARGA], email=""
    )


def _moment(rng: random.Random, months_ago: int, today: datetime.date) -> datetime.datetime:
    """A past moment in the month `months_ago` before today's (never in the future)."""
    index = today.year * 12 + today.month - 1 - months_ago
    first = datetime.date(index // 12, index % 12 + 1, 1)
    last = today - datetime.timedelta(days=1) if months_ago == 0 else _month_end(first)
    if last < first:
        last = first
    day = first + datetime.timedelta(days=rng.randrange((last - first).days + 1))
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(rng.randrange(8, 20), rng.randrange(60))))


def _month_end(first: datetime.date) -> datetime.date:
    following = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return following - datetime.timedelta(days=1)


def seed(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KELURAHAN:
        return
    if Prompt.objects.filter(event_key__startswith=DEMO_PREFIX).exists():
        return
    rng = random.Random(f"feedback-{tenant.schema_name}")  # noqa: S311 -- demo data, reproducible on purpose
    today = timezone.localdate()
    rows: list[Prompt] = []
    asked: list[datetime.datetime] = []
    for n in range(1, RESPONDENTS + 1):
        user = _respondent(tenant, n)
        start = FIRST_MONTH[n - 1]
        quarters: set[str] = set()
        for months_ago in range(start, -1, -1):
            if months_ago != start and rng.random() > RETURN_CHANCE:
                continue
            if months_ago == 0 and today.day == 1:
                continue  # no past day in this month yet
            answered = _moment(rng, months_ago, today)
            service = rng.choice(SERVICES)
            rows.append(
                Prompt(
                    user=user,
                    kind=service.value,
                    service=service.value,
                    event_key=f"{DEMO_PREFIX}{n}-{months_ago}",
                    score=rng.choice(CSAT_SCORES),
                    answered_at=answered,
                )
            )
            asked.append(answered - datetime.timedelta(hours=2))
            quarter = quarter_of(answered)
            if quarter not in quarters:
                quarters.add(quarter)
                rows.append(
                    Prompt(
                        user=user,
                        kind=Kind.NPS,
                        service=service.value,
                        event_key=quarter,
                        score=rng.choice(NPS_SCORES),
                        answered_at=answered + datetime.timedelta(minutes=1),
                    )
                )
                asked.append(answered - datetime.timedelta(hours=2))
    joko = User.objects.filter(username="pak-joko").first()
    if joko is not None:
        rows.append(Prompt(user=joko, kind=Service.REPORT, service=Service.REPORT, event_key=f"{DEMO_PREFIX}joko"))
        asked.append(timezone.now() - datetime.timedelta(hours=3))
    made = Prompt.objects.bulk_create(rows)
    for prompt, moment in zip(made, asked, strict=True):
        prompt.asked_at = moment
    # asked_at is auto_now_add (stamped by the insert): the history's own times are set after.
    Prompt.objects.bulk_update(made, ["asked_at"])
