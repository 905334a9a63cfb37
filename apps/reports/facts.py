"""Daily facts of laporan warga for the public roll-up (see apps.facts.metrics).

OPENED: reports filed that day by category code. RESOLVED: reports resolved that day, value =
minutes from filing to resolution (average = value / count). Duplicates are not counted as
opened: they are the same problem. Entities are the reporters (anonymous reports: none), each
with its own share (`entity_values` / `entity_counts`); an anonymous report is in the value but
in no share, so the Data-as-a-Service release (which clamps shares) leaves it out.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed, keys

from .models import Report


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    opened = (
        Report.objects.filter(created_at__gte=start, created_at__lt=end)
        .exclude(status=Report.Status.DUPLICATE)
        .values_list("category__code", "reporter_id")
    )
    resolved = Report.objects.filter(
        resolved_at__gte=start, resolved_at__lt=end, resolved_at__isnull=False
    ).values_list("category__code", "reporter_id", "created_at", "resolved_at")
    by_cat: dict[str, list[int | None]] = defaultdict(list)
    for code, reporter in opened:
        by_cat[code].append(reporter)
    if by_cat:
        everyone = [r for rs in by_cat.values() for r in rs]
        yield FactRow(
            Metric.REPORTS_OPENED,
            value=len(everyone),
            entity_keys=keys("user", everyone),
            entity_values=keyed("user", [(r, 1) for r in everyone]),
        )
        for code, reporters in sorted(by_cat.items()):
            yield FactRow(
                Metric.REPORTS_OPENED,
                value=len(reporters),
                dimension=code,
                entity_keys=keys("user", reporters),
                entity_values=keyed("user", [(r, 1) for r in reporters]),
            )
        yield FactRow(Metric.ACTIVE_RESIDENTS, value=0, entity_keys=keys("user", everyone))
    done: dict[str, list[tuple[int | None, int]]] = defaultdict(list)
    for code, reporter, created, resolved_at in resolved:
        if resolved_at is not None:
            done[code].append((reporter, int((resolved_at - created).total_seconds() // 60)))
    if done:
        every = [x for xs in done.values() for x in xs]
        yield _resolved(every, "")
        for code, rows in sorted(done.items()):
            yield _resolved(rows, code)


def _resolved(rows: list[tuple[int | None, int]], dimension: str) -> FactRow:
    return FactRow(
        Metric.REPORTS_RESOLVED,
        value=sum(m for _r, m in rows),
        count=len(rows),
        dimension=dimension,
        entity_keys=keys("user", [r for r, _m in rows]),
        entity_values=keyed("user", rows),
        entity_counts=keyed("user", [(r, 1) for r, _m in rows]),
    )
