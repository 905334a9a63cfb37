"""The privacy budget shared by every partner: per indicator family, month and *budget region*.

Accounting. One release of a group of cells (`apps.dataservice.dp`) costs its epsilon to every
entity whose data it reads; the loss of an entity is the sum over the groups that read it
(sequential composition). The ledger (`BudgetSpend`) keeps that sum per family, month of data
and budget region, where a budget region is a kecamatan (level 3) — the kelurahan below it share
its row, which over-counts a little (two kelurahan asked separately both charge their kecamatan)
but keeps a province-wide query to hundreds of rows instead of thousands — or a kota / province
for entities attached directly at that level. A group reading region R charges:

- R itself when R is a kota or above, and every kota and kecamatan below it (their entities are
  in R's data), or
- the kecamatan containing R when R is a kecamatan or kelurahan.

So every entity's total loss is at most the `spent` of its own row, and a release is refused when
that would exceed the family's `epsilon_per_period`. A period bucket spanning two months (a
week) charges both. Spending is one transaction with the rows locked in a fixed order
(`select_for_update`), so concurrent requests cannot both pass on the last of the budget.
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import connection
from django.utils.translation import gettext as _

from apps.core.errors import DomainError
from apps.tenancy import regions
from apps.tenancy.models import Region

from .indicators import Family
from .models import BudgetSpend, PrivacyBudget

BUDGET_LEVEL = 3  # kecamatan
DEFAULT_EPSILON_PER_RELEASE = 0.5
DEFAULT_EPSILON_PER_PERIOD = 20.0
# Ledger keys: (budget region, first day of the month).
Charge = dict[tuple[str, datetime.date], float]


class BudgetExhausted(DomainError):
    status_code = 429


@dataclass(frozen=True)
class Policy:
    family: str
    epsilon_per_release: float
    epsilon_per_period: float


def policy_for(family: Family | str) -> Policy:
    code = Family(family).value
    row = PrivacyBudget.objects.filter(family=code).first()
    if row is None:
        return Policy(code, DEFAULT_EPSILON_PER_RELEASE, DEFAULT_EPSILON_PER_PERIOD)
    return Policy(code, row.epsilon_per_release, row.epsilon_per_period)


def policies() -> list[Policy]:
    """Every family's policy, in one query."""
    rows = {r.family: r for r in PrivacyBudget.objects.all()}
    out = []
    for family in Family:
        row = rows.get(family.value)
        if row is None:
            out.append(Policy(family.value, DEFAULT_EPSILON_PER_RELEASE, DEFAULT_EPSILON_PER_PERIOD))
        else:
            out.append(Policy(family.value, row.epsilon_per_release, row.epsilon_per_period))
    return out


def months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """First days of the months first..last touches."""
    out = []
    current = first.replace(day=1)
    while current <= last:
        out.append(current)
        current = current + datetime.timedelta(days=calendar.monthrange(current.year, current.month)[1])
    return out


class BudgetRegions:
    """Which ledger rows a group reading a region charges. The kota and kecamatan codes under
    the query's region are read once per request (one query, only for a kota or province)."""

    def __init__(self, scope: str) -> None:
        self.scope = scope
        self._below: list[str] | None = None

    def of(self, code: str) -> frozenset[str]:
        if regions.level_of(code) >= BUDGET_LEVEL:
            return frozenset({".".join(code.split(".")[:BUDGET_LEVEL])})
        if self._below is None:
            self._below = list(
                Region.objects.filter(code__startswith=self.scope + ".", level__lte=BUDGET_LEVEL).values_list(
                    "code", flat=True
                )
            )
        return frozenset({code, *(c for c in self._below if c.startswith(code + "."))})


def add_charge(
    charge: Charge, budget_regions: Iterable[str], first: datetime.date, last: datetime.date, eps: float
) -> None:
    for month in months(first, last):
        for region in budget_regions:
            charge[(region, month)] = charge.get((region, month), 0.0) + eps


def lock(family: str, keys: Iterable[tuple[str, datetime.date]]) -> dict[tuple[str, datetime.date], BudgetSpend]:
    """The ledger rows of `keys`, created when missing, locked in a fixed order (so two requests
    over overlapping regions cannot deadlock). Call inside a transaction."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    BudgetSpend.objects.bulk_create(
        [BudgetSpend(family=family, region_code=r, period=p) for r, p in wanted], ignore_conflicts=True
    )
    # Rows of the regions x months (a superset of `wanted` when it is not a full grid: locking a
    # few more rows is harmless, a query with one OR per pair is not, for thousands of pairs).
    rows = (
        BudgetSpend.objects.select_for_update()
        .filter(family=family, region_code__in={r for r, _p in wanted}, period__in={p for _r, p in wanted})
        .order_by("region_code", "period")
    )
    return {(row.region_code, row.period): row for row in rows}


def spend(
    policy: Policy,
    charge: Mapping[tuple[str, datetime.date], float],
    rows: Mapping[tuple[str, datetime.date], BudgetSpend],
) -> None:
    """Add `charge` to the locked `rows`, or refuse the whole request (nothing is spent)."""
    over = sorted(key for key, eps in charge.items() if rows[key].spent + eps > policy.epsilon_per_period + 1e-9)
    if over:
        region, period = over[0]
        raise BudgetExhausted(
            _(
                "Anggaran privasi untuk data %(family)s wilayah %(region)s bulan %(period)s sudah habis; "
                "nilai yang sudah pernah dirilis tetap bisa diminta ulang, nilai baru tersedia setelah "
                "anggaran ditambah operator."
            )
            % {"family": policy.family, "region": region, "period": period.strftime("%Y-%m")},
            code="privacy_budget_exhausted",
            family=policy.family,
            region=region,
            period=period.strftime("%Y-%m"),
            epsilon_per_period=policy.epsilon_per_period,
        )
    if not charge:
        return
    keys = sorted(charge)
    # One UPDATE for every row (a request may charge hundreds of region-months).
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE dataservice_budgetspend AS s SET spent = s.spent + c.eps, releases = s.releases + 1, "
            "updated_at = NOW() FROM unnest(%s::bigint[], %s::float8[]) AS c(id, eps) WHERE s.id = c.id",
            [[rows[k].pk for k in keys], [charge[k] for k in keys]],
        )


def worst_case(charge: Mapping[tuple[str, datetime.date], float]) -> float:
    """The most any one entity lost to this request (its row's share of the charge)."""
    return max(charge.values(), default=0.0)
