"""Satisfaction per service (CSAT, NPS) and retention cohorts for the dashboards, from the daily
facts only (apps.feedback produces the CSAT/NPS facts; the cohorts come from the entity keys of
the residents' and shops' activity facts).

Both leave staff hands (the kota page, the lurah's page), so a cell computed from 1..k-1
respondents or residents is shown as "< k" (k-anonymity, `privacy.DEFAULT_K`).
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Sum

from apps.facts.metrics import Metric
from apps.feedback.models import Service

from .models import DailyFact
from .privacy import DEFAULT_K, is_publishable
from .selectors import Period

SATISFACTION_METRICS = (Metric.CSAT, Metric.CSAT_SATISFIED, Metric.NPS_PROMOTERS, Metric.NPS_DETRACTORS)
COHORT_MONTHS = 6


def _table() -> str:
    return DailyFact._meta.db_table


def _respondents(tenant_ids: Sequence[int], period: Period) -> dict[tuple[str, str], int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT metric, dimension, count(DISTINCT k) FROM {_table()}, unnest(entity_keys) AS k
                WHERE tenant_id = ANY(%s) AND metric = ANY(%s) AND day BETWEEN %s AND %s
                GROUP BY metric, dimension""",
            [list(tenant_ids), [Metric.CSAT, Metric.NPS_PROMOTERS], period.start, period.end],
        )
        return {(metric, dim): int(n) for metric, dim, n in cursor.fetchall()}


def by_service(tenant_ids: Sequence[int], period: Period) -> list[dict[str, Any]]:
    """One row per service and one for all ("dimension" ""): CSAT average (1-5), share satisfied
    (4-5, percent), NPS (-100..100), answers, and whether each part is hidden (< k respondents)."""
    ids = sorted(set(tenant_ids))
    if not ids:
        return []
    sums: dict[tuple[str, str], tuple[int, int]] = {}
    for row in (
        DailyFact.objects.filter(
            tenant_id__in=ids, metric__in=SATISFACTION_METRICS, day__gte=period.start, day__lte=period.end
        )
        .values("metric", "dimension")
        .annotate(v=Sum("value"), c=Sum("count"))
        .order_by()
    ):
        sums[(row["metric"], row["dimension"])] = (int(row["v"] or 0), int(row["c"] or 0))
    if not sums:
        return []
    people = _respondents(ids, period)
    labels = {"": "", **{s.value: str(s.label) for s in Service}}
    rows = []
    for dimension, label in labels.items():
        total, answers = sums.get((Metric.CSAT, dimension), (0, 0))
        satisfied, _c = sums.get((Metric.CSAT_SATISFIED, dimension), (0, 0))
        promoters, nps_answers = sums.get((Metric.NPS_PROMOTERS, dimension), (0, 0))
        detractors, _c = sums.get((Metric.NPS_DETRACTORS, dimension), (0, 0))
        if not answers and not nps_answers:
            continue
        csat_people = people.get((Metric.CSAT, dimension), 0)
        nps_people = people.get((Metric.NPS_PROMOTERS, dimension), 0)
        rows.append(
            {
                "service": dimension,
                "label": label,
                "answers": answers,
                "csat": total / answers if answers else None,
                "satisfied": satisfied / answers * 100 if answers else None,
                "csat_hidden": not is_publishable(csat_people, DEFAULT_K),
                "nps_answers": nps_answers,
                "nps": (promoters - detractors) / nps_answers * 100 if nps_answers else None,
                "nps_hidden": not is_publishable(nps_people, DEFAULT_K),
            }
        )
    return rows


def _month(day: datetime.date, back: int = 0) -> datetime.date:
    index = day.year * 12 + day.month - 1 - back
    return datetime.date(index // 12, index % 12 + 1, 1)


def cohorts(tenant_ids: Sequence[int], metric: str, end: datetime.date, months: int = COHORT_MONTHS) -> dict[str, Any]:
    """Retention by first-active month: for the cohorts first seen in the `months` months up to
    `end`, how many of them were active in each following month (month 0 = the cohort itself).
    An entity's first month is its first fact of `metric` ever (before the window too), so a
    resident who was active a year ago is not "new" again."""
    ids = sorted(set(tenant_ids))
    first = _month(end, months - 1)
    counts: dict[tuple[datetime.date, datetime.date], int] = {}
    if ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""WITH active AS (
                        SELECT DISTINCT date_trunc('month', day)::date AS m, k
                        FROM {_table()}, unnest(entity_keys) AS k
                        WHERE tenant_id = ANY(%s) AND metric = %s AND dimension = '' AND day <= %s
                    ), firsts AS (SELECT k, min(m) AS c FROM active GROUP BY k)
                    SELECT firsts.c, active.m, count(*) FROM active JOIN firsts USING (k)
                    WHERE firsts.c >= %s GROUP BY firsts.c, active.m""",
                [ids, metric, end, first],
            )
            counts = {(c, m): int(n) for c, m, n in cursor.fetchall()}
    rows = []
    for back in range(months - 1, -1, -1):
        cohort = _month(end, back)
        size = counts.get((cohort, cohort), 0)
        cells = []
        for ahead in range(back + 1):
            n = counts.get((cohort, _month(cohort, -ahead)), 0)
            hidden = not is_publishable(n, DEFAULT_K)
            cells.append(
                {
                    "n": None if hidden else n,
                    "share": None if hidden or not size else n / size * 100,
                    "hidden": hidden,
                }
            )
        rows.append({"month": cohort, "size": size, "cells": cells})
    return {"months": list(range(months)), "rows": rows, "has_data": any(r["size"] for r in rows)}
