"""Reads of the pre-aggregated daily facts for the dashboards (never the tenants' own rows).

Flow metrics (GMV, reports opened...) are summed over the period; stock metrics (active UMKM,
enrolments, registered residents, loans outstanding...) take the latest day of the period;
distinct counts (residents active, beneficiaries reached) unite the anonymous entity keys of
the period, so a resident active on ten days counts once.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from apps.facts.metrics import Metric

from .models import DailyFact

STOCK_METRICS = frozenset(
    {
        Metric.UMKM_ACTIVE,
        Metric.AID_ENROLLED,
        Metric.RESIDENTS_REGISTERED,
        Metric.PERMITS_OVERDUE,
        Metric.LOANS_OUTSTANDING,
        Metric.LOANS_AT_RISK,
        # Finance facts (issue 20): levels at day end.
        Metric.LEVY_OVERDUE,
        Metric.LEVY_OVERDUE_KEL,
        Metric.INVOICES_OVERDUE,
        Metric.FINANCING_OUTSTANDING,
    }
)
DISTINCT_OVER_PERIOD = (
    Metric.ACTIVE_RESIDENTS,
    Metric.AID_DISTRIBUTED,
    # Issue 21 (UMKM that traded, households ordering sembako): same query, more metrics.
    Metric.UMKM_TRADING,
    Metric.SEMBAKO_ORDERS,
)
# How far back a stock metric may come from when the period starts before the tenant's facts.
STOCK_REACH_DAYS = 31

Key = tuple[str, str]  # (metric, dimension)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


@dataclass
class Aggregate:
    """What one tenant (or a set of tenants, merged) did over one period."""

    flows: dict[Key, tuple[int, int]] = field(default_factory=dict)  # sum(value), sum(count)
    stock_end: dict[Key, int] = field(default_factory=dict)
    stock_start: dict[Key, int] = field(default_factory=dict)
    distinct: dict[str, int] = field(default_factory=dict)
    metrics: set[str] = field(default_factory=set)  # metrics with at least one fact

    def flow(self, metric: str, dimension: str = "") -> tuple[int, int]:
        return self.flows.get((metric, dimension), (0, 0))

    def breakdown(self, metric: str) -> list[tuple[str, int, int]]:
        rows = [(dim, v, c) for (m, dim), (v, c) in self.flows.items() if m == metric and dim]
        rows += [(dim, v, 0) for (m, dim), v in self.stock_end.items() if m == metric and dim]
        return sorted(rows, key=lambda r: (-r[1], r[0]))


def _table() -> str:
    return DailyFact._meta.db_table


def aggregates(tenant_ids: Sequence[int], period: Period, union: dict[str, int] | None = None) -> dict[int, Aggregate]:
    """One Aggregate per tenant of `tenant_ids` (tenants without facts get an empty one).
    With `union`, it also receives the distinct entities of all the tenants together (same scan)."""
    ids = sorted(set(tenant_ids))
    out: dict[int, Aggregate] = {pk: Aggregate() for pk in ids}
    if not ids:
        return out
    in_period = DailyFact.objects.filter(tenant_id__in=ids, day__gte=period.start, day__lte=period.end)
    for row in (
        in_period.exclude(metric__in=STOCK_METRICS)
        .values("tenant_id", "metric", "dimension")
        .annotate(v=Sum("value"), c=Sum("count"))
        .order_by()
    ):
        agg = out[row["tenant_id"]]
        agg.flows[(row["metric"], row["dimension"])] = (int(row["v"] or 0), int(row["c"] or 0))
        agg.metrics.add(row["metric"])
    with connection.cursor() as cursor:
        for target, low, high in (
            ("stock_end", period.start, period.end),
            ("stock_start", period.start - datetime.timedelta(days=STOCK_REACH_DAYS), period.start),
        ):
            # The latest day of each (tenant, stock metric) in the window, then that day's rows:
            # index look-ups instead of sorting every stock row of the period.
            cursor.execute(
                f"""SELECT f.tenant_id, f.metric, f.dimension, f.value
                    FROM unnest(%s::integer[]) AS t(id) CROSS JOIN unnest(%s::text[]) AS m(metric)
                    CROSS JOIN LATERAL (
                        SELECT x.day FROM {_table()} x
                        WHERE x.tenant_id = t.id AND x.metric = m.metric AND x.day BETWEEN %s AND %s
                        ORDER BY x.day DESC LIMIT 1
                    ) AS latest
                    JOIN {_table()} f ON f.tenant_id = t.id AND f.metric = m.metric AND f.day = latest.day""",
                [ids, sorted(STOCK_METRICS), low, high],
            )
            for tenant_id, metric, dimension, value in cursor.fetchall():
                getattr(out[tenant_id], target)[(metric, dimension)] = int(value)
                if target == "stock_end":
                    out[tenant_id].metrics.add(metric)
        groups = "GROUPING SETS ((tenant_id, metric), (metric))" if union is not None else "tenant_id, metric"
        cursor.execute(
            f"""SELECT tenant_id, metric, count(DISTINCT k) FROM {_table()}, unnest(entity_keys) AS k
                WHERE tenant_id = ANY(%s) AND metric = ANY(%s) AND dimension = '' AND day BETWEEN %s AND %s
                GROUP BY {groups}""",
            [ids, list(DISTINCT_OVER_PERIOD), period.start, period.end],
        )
        for tenant_id, metric, n in cursor.fetchall():
            if tenant_id is None:
                if union is not None:
                    union[metric] = int(n)
            else:
                out[tenant_id].distinct[metric] = int(n)
    return out


def entity_counts(tenant_ids: Sequence[int], period: Period, metrics: Sequence[str]) -> dict[int, dict[str, int]]:
    """Distinct entities behind each tenant's metric over the period (its total rows), for the
    k-anonymity of figures that leave staff hands (the kota comparison and its exports)."""
    out: dict[int, dict[str, int]] = {pk: {} for pk in tenant_ids}
    if not tenant_ids or not metrics:
        return out
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT tenant_id, metric, count(DISTINCT k) FROM {_table()}, unnest(entity_keys) AS k
                WHERE tenant_id = ANY(%s) AND metric = ANY(%s) AND dimension = '' AND day BETWEEN %s AND %s
                GROUP BY tenant_id, metric""",
            [list(tenant_ids), sorted(set(metrics)), period.start, period.end],
        )
        for tenant_id, metric, n in cursor.fetchall():
            out[tenant_id][metric] = int(n)
    return out


def combined(
    tenant_ids: Sequence[int],
    period: Period,
    parts: dict[int, Aggregate] | None = None,
    union: dict[str, int] | None = None,
) -> Aggregate:
    """The tenants together: flows and stocks add up, distinct entities are united once.
    A caller that already has `parts` (and `union`, see `aggregates`) passes them in."""
    if parts is None:
        union = {}
        parts = aggregates(tenant_ids, period, union=union)
    total = Aggregate()
    for agg in parts.values():
        for key, (v, c) in agg.flows.items():
            v0, c0 = total.flows.get(key, (0, 0))
            total.flows[key] = (v0 + v, c0 + c)
        for name in ("stock_end", "stock_start"):
            into: dict[Key, int] = getattr(total, name)
            for key, v in getattr(agg, name).items():
                into[key] = into.get(key, 0) + v
        total.metrics |= agg.metrics
    ids = sorted(set(tenant_ids))
    if union is not None:
        total.distinct.update(union)
    elif ids:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""SELECT metric, count(DISTINCT k) FROM {_table()}, unnest(entity_keys) AS k
                    WHERE tenant_id = ANY(%s) AND metric = ANY(%s) AND dimension = '' AND day BETWEEN %s AND %s
                    GROUP BY metric""",
                [ids, list(DISTINCT_OVER_PERIOD), period.start, period.end],
            )
            for metric, n in cursor.fetchall():
                total.distinct[metric] = int(n)
    return total


def bucket_of(period: Period) -> str:
    if period.days <= 62:
        return "day"
    if period.days <= 400:
        return "week"
    return "month"


def series(
    tenant_ids: Sequence[int], period: Period, metrics: Sequence[str]
) -> dict[str, list[tuple[datetime.date, int, int]]]:
    """Totals (dimension "") per day, week or month of the period, for the charts. A stock metric
    (e.g. active UMKM) gives its average level over the bucket's days, a flow its sum."""
    bucket = bucket_of(period)
    qs = DailyFact.objects.filter(
        tenant_id__in=list(tenant_ids),
        metric__in=list(metrics),
        dimension="",
        day__gte=period.start,
        day__lte=period.end,
    )
    trunc = {"day": F("day"), "week": TruncWeek("day"), "month": TruncMonth("day")}[bucket]
    rows = (
        qs.annotate(b=trunc)
        .values("metric", "b")
        .annotate(v=Sum("value"), c=Sum("count"), days=Count("day", distinct=True))
        .order_by()
    )
    out: dict[str, dict[datetime.date, tuple[int, int]]] = defaultdict(dict)
    for row in rows:
        when = row["b"]
        if isinstance(when, datetime.datetime):
            when = when.date()
        value = int(row["v"] or 0)
        if row["metric"] in STOCK_METRICS and row["days"]:
            value = round(value / row["days"])
        out[row["metric"]][when] = (value, int(row["c"] or 0))
    return {metric: [(d, v, c) for d, (v, c) in sorted(out.get(metric, {}).items())] for metric in metrics}


# --- a tenant's own facts by dimension (the kota's levies, issue 20) ---------------------------


@dataclass(frozen=True)
class Cell:
    """One (metric, dimension) of one tenant over a period: flows summed, stocks at the latest
    day with facts, and the distinct entities behind it (for k-anonymity)."""

    value: int
    count: int
    entities: int


def own_cells(tenant_id: int, period: Period, metrics: Sequence[str]) -> dict[Key, Cell]:
    """Every dimension of `metrics` in the tenant's own facts, in one query: flows summed over
    the period, stocks at their latest day in it, each with its distinct entities over the rows
    it is computed from."""
    flows = sorted(set(metrics) - STOCK_METRICS)
    stocks = sorted(set(metrics) & STOCK_METRICS)
    out: dict[Key, Cell] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT f.metric, f.dimension, sum(f.value), sum(f.count),
                    (SELECT count(DISTINCT k) FROM {_table()} g, unnest(g.entity_keys) AS k
                     WHERE g.tenant_id = %(t)s AND g.metric = f.metric AND g.dimension = f.dimension
                       AND g.day BETWEEN %(start)s AND %(end)s)
                FROM {_table()} f
                WHERE f.tenant_id = %(t)s AND f.metric = ANY(%(flows)s) AND f.day BETWEEN %(start)s AND %(end)s
                GROUP BY f.metric, f.dimension
                UNION ALL
                SELECT f.metric, f.dimension, f.value, f.count, cardinality(f.entity_keys)
                FROM unnest(%(stocks)s::text[]) AS m(metric)
                CROSS JOIN LATERAL (
                    SELECT x.day FROM {_table()} x
                    WHERE x.tenant_id = %(t)s AND x.metric = m.metric AND x.day BETWEEN %(start)s AND %(end)s
                    ORDER BY x.day DESC LIMIT 1
                ) AS latest
                JOIN {_table()} f ON f.tenant_id = %(t)s AND f.metric = m.metric AND f.day = latest.day""",
            {"t": tenant_id, "flows": flows, "stocks": stocks, "start": period.start, "end": period.end},
        )
        for metric, dimension, value, count, entities in cursor.fetchall():
            out[(metric, dimension)] = Cell(int(value or 0), int(count or 0), int(entities or 0))
    return out
