"""Reads of the Data-as-a-Service API: parsing a query and building its tables of raw cells
(each entity's contributions) from the public daily facts. Nothing here decides what is
released (see release.py)."""

from __future__ import annotations

import calendar
import datetime
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.models import DailyFact
from apps.core.errors import DomainError
from apps.tenancy import regions
from apps.tenancy.models import Region

from .indicators import BY_CODE, Attribution, Contributions, FactRow, Indicator, contributions
from .models import ApiKey, ReleasedValue, UsageDay

GRANULARITIES = ("day", "week", "month")
BREAKDOWNS = ("none", "region", "dimension")
logger = logging.getLogger(__name__)
FACT_FIELDS = (
    "metric",
    "dimension",
    "region_code",
    "day",
    "value",
    "count",
    "entity_keys",
    "entity_values",
    "entity_counts",
)
MAX_BUCKETS = {"day": 366, "week": 260, "month": 120}
DEFAULT_DAYS = 30
# Far outside any fact, and keeps the period arithmetic away from date.min/date.max.
MIN_DATE, MAX_DATE = datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)


@dataclass(frozen=True)
class Query:
    indicator: Indicator
    region: str
    start: datetime.date  # first day of the first bucket
    end: datetime.date  # last day of the last bucket (inclusive)
    granularity: str
    breakdown: str


@dataclass(frozen=True)
class RawCell:
    """One cell before noise: where it is, and each entity's contribution to each of the
    indicator's parts (`Indicator.parts`)."""

    region_code: str
    dimension: str
    parts: tuple[Contributions, ...]

    def identity(self, indicator: Indicator, start: datetime.date, end: datetime.date) -> CellId:
        return CellId(indicator.code, self.region_code, self.dimension, start, end)


@dataclass(frozen=True, order=True)
class CellId:
    """What a released value is stored under: the same cell whatever request asked for it."""

    indicator: str
    region_code: str
    dimension: str
    period_start: datetime.date
    period_end: datetime.date


@dataclass
class Table:
    """The cells of one period bucket: the region total and its breakdown (the children, a
    group released together)."""

    period_start: datetime.date
    period_end: datetime.date
    total: RawCell
    children: list[RawCell] = field(default_factory=list)


def _parse_date(raw: str, name: str) -> datetime.date:
    try:
        day = datetime.date.fromisoformat(raw.strip())
        if not MIN_DATE <= day <= MAX_DATE:
            raise ValueError(raw)
        return day
    except ValueError:
        raise DomainError(
            _("Tanggal '%(value)s' tidak valid; gunakan format YYYY-MM-DD antara 2000-01-01 dan 2099-12-31.")
            % {"value": raw[:40]},
            code="invalid_date",
            field=name,
        ) from None


def bucket_start(day: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return day - datetime.timedelta(days=day.weekday())
    if granularity == "month":
        return day.replace(day=1)
    return day


def bucket_end(start: datetime.date, granularity: str) -> datetime.date:
    if granularity == "week":
        return start + datetime.timedelta(days=6)
    if granularity == "month":
        return start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start


def buckets(
    start: datetime.date, end: datetime.date, granularity: str, limit: int | None = None
) -> list[tuple[datetime.date, datetime.date]]:
    """The aligned periods covering start..end (at most `limit` + 1 of them when given)."""
    out: list[tuple[datetime.date, datetime.date]] = []
    current = bucket_start(start, granularity)
    while current <= end and (limit is None or len(out) <= limit):
        last = bucket_end(current, granularity)
        out.append((current, last))
        current = last + datetime.timedelta(days=1)
    return out


def normalize_region(raw: str, name: str = "region") -> str:
    """A valid, known Kemendagri code in dotted form, or DomainError (400)."""
    if not (raw or "").strip():
        raise DomainError(_("Kode wilayah wajib diisi."), code="missing_region", field=name)
    try:
        code = regions.normalize(raw)
    except regions.InvalidRegionCode:
        raise DomainError(
            _("Kode wilayah '%(value)s' tidak valid; contoh: 35.77 atau 35.77.03.1001.") % {"value": raw[:40]},
            code="invalid_region",
            field=name,
        ) from None
    if not Region.objects.filter(code=code).exists():
        raise DomainError(
            _("Wilayah dengan kode %(code)s tidak dikenal.") % {"code": code}, code="unknown_region", field=name
        )
    return code


def parse_query(params: Mapping[str, str]) -> Query:
    """Validate the query string of /api/v1/data/query/ (every problem is a 400)."""
    code = (params.get("indicator") or "").strip()
    if not code:
        raise DomainError(_("Parameter indicator wajib diisi."), code="missing_indicator", field="indicator")
    indicator = BY_CODE.get(code)
    if indicator is None:
        raise DomainError(
            _("Indikator '%(code)s' tidak dikenal. Lihat katalog di /api/v1/data/indicators/.") % {"code": code[:64]},
            code="unknown_indicator",
            field="indicator",
            known=sorted(BY_CODE),
        )
    region = normalize_region(params.get("region") or "")
    granularity = (params.get("granularity") or "month").strip()
    if granularity not in GRANULARITIES:
        raise DomainError(
            _("Granularitas harus salah satu dari: day, week, month."), code="invalid_granularity", field="granularity"
        )
    breakdown = (params.get("breakdown") or "none").strip()
    if breakdown not in BREAKDOWNS:
        raise DomainError(
            _("Rincian (breakdown) harus salah satu dari: none, region, dimension."),
            code="invalid_breakdown",
            field="breakdown",
        )
    if breakdown == "region" and regions.level_of(region) >= 4:
        raise DomainError(
            _("Desa/kelurahan tidak punya wilayah bawahan untuk dirinci."), code="no_child_regions", field="breakdown"
        )
    if breakdown == "dimension" and indicator.dimension_label is None:
        raise DomainError(_("Indikator ini tidak punya rincian dimensi."), code="no_dimension", field="breakdown")
    today = timezone.localdate()
    end = _parse_date(params["to"], "to") if params.get("to") else today
    start = (
        _parse_date(params["from"], "from") if params.get("from") else end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    )
    if start > end:
        raise DomainError(
            _("Tanggal awal (from) harus sebelum atau sama dengan tanggal akhir (to)."),
            code="invalid_period",
            field="from",
        )
    spans = buckets(start, end, granularity, limit=MAX_BUCKETS[granularity])
    if len(spans) > MAX_BUCKETS[granularity]:
        raise DomainError(
            _("Periode terlalu panjang: paling banyak %(n)s periode %(granularity)s per permintaan.")
            % {"n": MAX_BUCKETS[granularity], "granularity": granularity},
            code="period_too_long",
            field="to",
        )
    return Query(indicator, region, spans[0][0], spans[-1][1], granularity, breakdown)


def _child_code(code: str, level: int) -> str | None:
    """The region of `level + 1` containing `code`, or None when `code` is not below `level`."""
    parts = code.split(".")
    if len(parts) <= level:
        return None
    return ".".join(parts[: level + 1])


def breakdown_domain(query: Query) -> list[str]:
    """The children of a breakdown, chosen without looking at the query's own data (which
    cells exist must not tell whether anyone is in them): every region one level down from the
    region table, or every dimension value any region of the platform had in the period."""
    if query.breakdown == "region":
        level = regions.level_of(query.region) + 1
        return sorted(
            Region.objects.filter(code__startswith=query.region + ".", level=level).values_list("code", flat=True)
        )
    if query.breakdown == "dimension":
        return sorted(
            DailyFact.objects.filter(metric=query.indicator.metric, day__range=(query.start, query.end))
            .exclude(dimension="")
            .values_list("dimension", flat=True)
            .distinct()
        )
    return []


def build_tables(query: Query) -> list[Table]:
    """One table per period bucket with every raw cell (entities' contributions, no noise)."""
    facts = (
        DailyFact.objects.filter(metric__in=query.indicator.metrics, day__range=(query.start, query.end))
        .filter(Q(region_code=query.region) | Q(region_code__startswith=query.region + "."))
        .values_list(
            "metric",
            "dimension",
            "region_code",
            "day",
            "value",
            "count",
            "entity_keys",
            "entity_values",
            "entity_counts",
        )
    )
    spans = buckets(query.start, query.end, query.granularity)
    bucket_of: dict[datetime.date, int] = {}
    for i, (first, last) in enumerate(spans):
        day = first
        while day <= last:
            bucket_of[day] = i
            day += datetime.timedelta(days=1)
    raw = list(facts)
    # A metric's totals are its rows without dimension when it has any (producers write the
    # total next to the breakdown); otherwise the sum over its dimension rows.
    has_total = {metric for metric, dimension, *_rest in raw if dimension == ""}
    level = regions.level_of(query.region)
    totals: dict[int, list[FactRow]] = defaultdict(list)
    children: dict[int, dict[str, list[FactRow]]] = defaultdict(lambda: defaultdict(list))
    for metric, dimension, region_code, day, amount, count, keys, values, counts in raw:
        row = FactRow(metric, amount, count, keys, values, counts)
        i = bucket_of[day]
        is_total_row = dimension == "" or metric not in has_total
        if is_total_row:
            totals[i].append(row)
        if query.breakdown == "region" and is_total_row:
            child = _child_code(region_code, level)
            if child is not None:
                children[i][child].append(row)
        elif query.breakdown == "dimension" and dimension:
            children[i][dimension].append(row)
    parts = query.indicator.parts
    names = breakdown_domain(query)
    seen = Attribution()
    tables = []
    for i, (first, last) in enumerate(spans):
        kids = [
            RawCell(
                name if query.breakdown == "region" else query.region,
                "" if query.breakdown == "region" else name,
                tuple(contributions(part, children[i].get(name, ()), seen) for part in parts),
            )
            for name in names
        ]
        total = RawCell(query.region, "", tuple(contributions(part, totals[i], seen) for part in parts))
        tables.append(Table(first, last, total, kids))
    if seen.equal_split:
        # Their dominant entity is not bounded by the contribution bound; `manage.py
        # rollup_facts` over their days recomputes them with per-entity shares.
        logger.warning(
            "dataservice: %s of %s fact rows of %s have no per-entity shares; split equally (legacy facts)",
            seen.equal_split,
            seen.equal_split + seen.exact,
            query.indicator.code,
        )
    return tables


def released_values(ids: Iterable[CellId]) -> dict[CellId, ReleasedValue]:
    """The values already released for these cells (by any partner)."""
    wanted = set(ids)
    if not wanted:
        return {}
    # One indicator per query: filter on the columns' value sets, keep the exact cells here
    # (a query with one OR per cell would be thousands of terms for a year of days).
    rows = ReleasedValue.objects.filter(
        indicator__in={c.indicator for c in wanted},
        region_code__in={c.region_code for c in wanted},
        dimension__in={c.dimension for c in wanted},
        period_start__gte=min(c.period_start for c in wanted),
        period_start__lte=max(c.period_start for c in wanted),
    )
    out = {}
    for row in rows:
        ident = CellId(row.indicator, row.region_code, row.dimension, row.period_start, row.period_end)
        if ident in wanted:
            out[ident] = row
    return out


def region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def usage_of(api_key: ApiKey, days: int = 31) -> list[UsageDay]:
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return list(UsageDay.objects.filter(api_key=api_key, day__gte=since).order_by("-day"))
