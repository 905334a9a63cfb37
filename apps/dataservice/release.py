"""Releasing a query's cells under differential privacy (`do_release`-style write: the noisy
values and the budget they spend are one transaction).

For each period bucket the region total is one group and the breakdown's children another
(`apps.dataservice.dp`). A cell released before, to any partner, is answered from
`ReleasedValue` unchanged and spends nothing. New groups are charged to the shared ledger
(`apps.dataservice.budget`) first; when any row would go over the family's budget the whole
request is refused (429) and nothing is released. Buckets that have not ended are withheld
(`period_open`): their value would be frozen while the data still grows.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from . import budget, dp, selectors
from .indicators import Aggregate, Indicator
from .models import ApiKey, ReleasedValue
from .services import authorize

PERIOD_OPEN = "period_open"
NO_VALUE = "no_value"  # a ratio whose noisy denominator is not above zero
BELOW_K = "below_k"  # fewer (noisy) answers or entities than the indicator's min_responses


def noise_source() -> dp.Noise:
    """OpenDP's sampler (tests of the arithmetic replace this, never the API path in use)."""
    return dp.opendp_noise


@dataclass(frozen=True)
class ResultRow:
    period_start: datetime.date
    period_end: datetime.date
    region_code: str
    region_name: str
    dimension: str
    value: float | int | None
    error_95: float | None  # half-width of the 95% interval around `value`
    epsilon: float | None  # spent once, when the value was first released
    mechanism: str | None
    suppressed: bool
    reason: str | None


@dataclass(frozen=True)
class QueryResult:
    query: selectors.Query
    rows: list[ResultRow]
    epsilon_spent: float  # by this request, for the most exposed entity (0 when all repeated)
    policy: budget.Policy

    @property
    def released_cells(self) -> int:
        return sum(1 for r in self.rows if not r.suppressed)

    @property
    def suppressed_cells(self) -> int:
        return sum(1 for r in self.rows if r.suppressed)


@dataclass
class _Group:
    table: selectors.Table
    cells: list[selectors.RawCell]
    regions: frozenset[str]  # budget regions its data lies in


def _groups(
    query: selectors.Query,
    tables: list[selectors.Table],
    known: set[selectors.CellId],
    today: datetime.date,
    regions: budget.BudgetRegions,
) -> list[_Group]:
    """The groups that hold a cell never released (closed periods only)."""
    out = []
    for table in tables:
        if table.period_end >= today:
            continue
        ident = table.total.identity(query.indicator, table.period_start, table.period_end)
        if ident not in known:
            out.append(_Group(table, [table.total], regions.of(query.region)))
        fresh = [
            c for c in table.children if c.identity(query.indicator, table.period_start, table.period_end) not in known
        ]
        if fresh:
            covered = frozenset().union(*(regions.of(c.region_code) for c in fresh))
            out.append(_Group(table, fresh, covered))
    return out


def _charge(groups: list[_Group], epsilon: float) -> budget.Charge:
    charge: budget.Charge = {}
    for group in groups:
        budget.add_charge(charge, group.regions, group.table.period_start, group.table.period_end, epsilon)
    return charge


def noisy_values(
    indicator: Indicator, granularity: str, cells: list[selectors.RawCell], epsilon: float, noise: dp.Noise
) -> list[tuple[float | None, float | None]]:
    """(value, 95% error) of each cell of one group: every part clamped over the group and
    noised at an equal share of `epsilon`; a ratio is post-processed from its noisy parts."""
    parts = indicator.parts
    share = epsilon / len(parts)
    released = []
    for p, part in enumerate(parts):
        bound = part.bound.at(granularity)
        sums = dp.clamp_group([cell.parts[p] for cell in cells], bound)
        released.append(dp.release_group(sums, bound, share, noise))
    out: list[tuple[float | None, float | None]] = []
    for c in range(len(cells)):
        if indicator.aggregate != Aggregate.RATIO:
            value: float | None = round(released[0].values[c], indicator.decimals)
            error: float | None = released[0].error_95
        else:
            num, den = released[0], released[1]
            value, error = dp.ratio(num.values[c], den.values[c], num.error_95, den.error_95, indicator.scale)
            value = None if value is None else round(value, indicator.decimals)
        # The threshold looks at the noisy count only (the denominator of a ratio, or the
        # distinct entities released for it: `k_by_entities`), never at the exact one:
        # suppressing is post-processing of released sums.
        if indicator.min_responses and released[-1].values[c] < indicator.min_responses:
            value, error = None, None
        out.append((value, error))
    return out


def _release(
    query: selectors.Query, groups: list[_Group], epsilon: float, api_key: ApiKey, noise: dp.Noise
) -> list[ReleasedValue]:
    mechanism = f"{dp.MECHANISM} ({dp.LIBRARY})"
    rows = []
    for group in groups:
        values = noisy_values(query.indicator, query.granularity, group.cells, epsilon, noise)
        for cell, (value, error) in zip(group.cells, values, strict=True):
            ident = cell.identity(query.indicator, group.table.period_start, group.table.period_end)
            rows.append(
                ReleasedValue(
                    indicator=ident.indicator,
                    region_code=ident.region_code,
                    dimension=ident.dimension,
                    period_start=ident.period_start,
                    period_end=ident.period_end,
                    value=value,
                    error_95=error,
                    epsilon=epsilon,
                    mechanism=mechanism,
                    partner=api_key.partner,
                )
            )
    return ReleasedValue.objects.bulk_create(rows)


def run_query(api_key: ApiKey, query: selectors.Query, noise: dp.Noise | None = None) -> QueryResult:
    """The query's cells as released to every partner: stored noisy values, and new ones noised
    and paid for from the shared budget in the same transaction."""
    authorize(api_key, query)
    noise = noise or noise_source()
    policy = budget.policy_for(query.indicator.family)
    tables = selectors.build_tables(query)
    today = timezone.localdate()
    ids = [
        cell.identity(query.indicator, t.period_start, t.period_end) for t in tables for cell in (t.total, *t.children)
    ]
    regions = budget.BudgetRegions(query.region)
    charge: budget.Charge = {}
    with transaction.atomic():
        stored = selectors.released_values(ids)
        groups = _groups(query, tables, set(stored), today, regions)
        if groups:
            rows = budget.lock(policy.family, _charge(groups, policy.epsilon_per_release))
            # Another request may have released some of these cells while we waited for the
            # lock: read again, so that the same cell is released (and paid for) once.
            stored = selectors.released_values(ids)
            groups = _groups(query, tables, set(stored), today, regions)
            charge = _charge(groups, policy.epsilon_per_release)
            budget.spend(policy, charge, rows)
            for value in _release(query, groups, policy.epsilon_per_release, api_key, noise):
                stored[
                    selectors.CellId(
                        value.indicator, value.region_code, value.dimension, value.period_start, value.period_end
                    )
                ] = value
    return QueryResult(query, _rows(query, tables, stored), budget.worst_case(charge), policy)


def _plain(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _rows(
    query: selectors.Query, tables: list[selectors.Table], stored: dict[selectors.CellId, ReleasedValue]
) -> list[ResultRow]:
    names = selectors.region_names(c.region_code for t in tables for c in (t.total, *t.children))
    rows = []
    for table in tables:
        for cell in (table.total, *table.children):
            released = stored.get(cell.identity(query.indicator, table.period_start, table.period_end))
            below_k = released is not None and released.value is None and query.indicator.min_responses > 0
            if released is None:
                reason: str | None = PERIOD_OPEN
            elif below_k:
                reason = BELOW_K
            else:
                reason = NO_VALUE if released.value is None else None
            rows.append(
                ResultRow(
                    period_start=table.period_start,
                    period_end=table.period_end,
                    region_code=cell.region_code,
                    region_name=names.get(cell.region_code, ""),
                    dimension=cell.dimension,
                    value=_plain(released.value) if released else None,
                    error_95=round(released.error_95, 2) if released and released.error_95 is not None else None,
                    epsilon=released.epsilon if released else None,
                    mechanism=released.mechanism if released else None,
                    suppressed=released is None or below_k,
                    reason=reason,
                )
            )
    return rows
