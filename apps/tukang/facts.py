"""Daily facts of GoTukang for the public roll-up (see apps.facts.metrics).

Each step of a job counts on the day it happened, whatever became of the job later (a booked
job cancelled afterwards was still booked that day), so a past day is final:
TUKANG_REQUESTED jobs created (value = jobs; entities = the requesters, a guest over WhatsApp
by its phone number) and TUKANG_CHANNEL the same jobs by where they were asked ("web" or
"whatsapp"); TUKANG_BOOKED and TUKANG_DONE (value = rupiah agreed, count = jobs) by `booked_at`
and `done_at`; TUKANG_DISPUTED by `disputed_at` (first time a party took the job to the
kelurahan); TUKANG_RATED (value = sum of the 1-5 ratings, count = ratings) by `rated_at`.
Booked, done, disputed and rated jobs have the tukang as entity (the tradesperson is whom a
small cell would expose). Every metric has its total row "" and one per skill (per channel for
TUKANG_CHANNEL), with each entity's own share. Requesters with an account are also
ACTIVE_RESIDENTS of the day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed, keys

from .models import Job

Share = tuple[str, int, int]  # (entity, value, count); entity "user:1", "phone:0812..." or "tukang:3"


def _facts(metric: str, rows: dict[str, list[Share]]) -> Iterator[FactRow]:
    for dimension, shares in sorted(rows.items()):
        yield FactRow(
            metric,
            value=sum(v for _e, v, _c in shares),
            count=sum(c for _e, _v, c in shares),
            dimension=dimension,
            entity_keys=keys("tukang-fact", [e for e, _v, _c in shares]),
            entity_values=keyed("tukang-fact", [(e, v) for e, v, _c in shares]),
            entity_counts=keyed("tukang-fact", [(e, c) for e, _v, c in shares]),
        )


def _grouped(rows: list[tuple[str, str, int, int]]) -> dict[str, list[Share]]:
    """(dimension, entity, value, count) rows -> the total "" and per dimension."""
    out: dict[str, list[Share]] = defaultdict(list)
    for dimension, entity, value, count in rows:
        out[""].append((entity, value, count))
        out[dimension].append((entity, value, count))
    return out


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    requested = list(
        Job.objects.filter(created_at__gte=start, created_at__lt=end)
        .values_list("skill", "source", "requester_id", "contact_phone")
        .order_by("pk")
    )
    asked = [(skill, source, f"user:{r}" if r else f"phone:{phone}") for skill, source, r, phone in requested]
    yield from _facts(Metric.TUKANG_REQUESTED, _grouped([(skill, who, 1, 1) for skill, _src, who in asked]))
    yield from _facts(Metric.TUKANG_CHANNEL, _grouped([(source, who, 1, 1) for _s, source, who in asked]))
    for metric, field, amount in (
        (Metric.TUKANG_BOOKED, "booked_at", "agreed_amount"),
        (Metric.TUKANG_DONE, "done_at", "agreed_amount"),
        (Metric.TUKANG_DISPUTED, "disputed_at", None),
        (Metric.TUKANG_RATED, "rated_at", "rating"),
    ):
        jobs = (
            Job.objects.filter(**{f"{field}__gte": start, f"{field}__lt": end}, tukang__isnull=False)
            .values_list("skill", "tukang_id", amount or "pk")
            .order_by("pk")
        )
        rows = [(s, f"tukang:{t}", int(v or 0) if amount else 1, 1) for s, t, v in jobs]
        yield from _facts(metric, _grouped(rows))
    users = sorted({r for _s, _src, r, _p in requested if r})
    if users:
        yield FactRow(Metric.ACTIVE_RESIDENTS, value=0, entity_keys=keys("user", users))
