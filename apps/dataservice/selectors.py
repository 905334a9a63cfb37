"""Reads of the Data-as-a-Service API: parsing a query and building its tables of raw cells
from the public daily facts. Nothing here decides what may be released (see services.py)."""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.analytics.models import DailyFact
from apps.analytics.privacy import Cell
from apps.core.errors import DomainError
from apps.tenancy import regions
from apps.tenancy.models import Region

from .indicators import BY_CODE, INDICATORS, FactRow, Indicator, compute
from .models import ApiKey, UsageDay

GRANULARITIES = ("day", "week", "month")
BREAKDOWNS = ("none", "region", "dimension")
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


@dataclass
class Table:
    """The cells of one period bucket: the region total (key ()) and its breakdown (key (x,))."""

    period_start: datetime.date
    period_end: datetime.date
    cells: list[Cell] = field(default_factory=list)
    # Per table key: (region code, dimension) of the output row.
    where: dict[tuple[str, ...], tuple[str, str]] = field(default_factory=dict)


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


def measure_of(query: Query, dimension: str, start: datetime.date, end: datetime.date) -> str:
    """What a cell measures, for the auditor: the same indicator, dimension value and period
    bucket, whatever region and breakdown the request that released it used."""
    return f"{query.indicator.code}|{dimension or '*'}|{start.isoformat()}|{end.isoformat()}"


def period_of_measure(measure: str) -> tuple[datetime.date, datetime.date] | None:
    """The period bucket of a `measure_of` string (None when it does not end in two dates)."""
    parts = measure.rsplit("|", 2)
    if len(parts) != 3:
        return None
    try:
        return datetime.date.fromisoformat(parts[1]), datetime.date.fromisoformat(parts[2])
    except ValueError:
        return None


def related_indicators(indicator: Indicator) -> list[str]:
    """Codes of the indicators computed from one of `indicator`'s metrics (itself included):
    their values can be combined (gmv = avg_price x units_sold), so their periods are audited
    together."""
    mine = set(indicator.metrics)
    return sorted(i.code for i in INDICATORS if mine & set(i.metrics))


def overlaps_other_period(
    first: datetime.date, last: datetime.date, released: Iterable[tuple[datetime.date, datetime.date]]
) -> bool:
    """Whether first..last overlaps a released period without being that very period."""
    return any(start <= last and first <= end and (start, end) != (first, last) for start, end in released)


def build_tables(query: Query) -> list[Table]:
    """One table per period bucket with every raw (unsuppressed) cell."""
    facts = (
        DailyFact.objects.filter(metric__in=query.indicator.metrics, day__range=(query.start, query.end))
        .filter(Q(region_code=query.region) | Q(region_code__startswith=query.region + "."))
        .values_list("metric", "dimension", "region_code", "day", "value", "count", "entity_keys")
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
    for metric, dimension, region_code, day, amount, count, keys in raw:
        row = FactRow(metric, amount, count, keys)
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
    tables = []
    for i, (first, last) in enumerate(spans):
        table = Table(first, last)
        parts = {name: compute(query.indicator, rows) for name, rows in sorted(children[i].items())}
        value, entities = compute(query.indicator, totals[i])
        # Children must be subsets of their parent (a producer may miss an entity in its total).
        for _value, ents in parts.values():
            entities |= ents
        table.cells.append(Cell((), _as_value(value), entities, measure_of(query, "", first, last)))
        table.where[()] = (query.region, "")
        for name, (child_value, ents) in parts.items():
            if query.breakdown == "region":
                cell = Cell((name,), _as_value(child_value), ents, measure_of(query, "", first, last))
                table.where[(name,)] = (name, "")
            else:
                cell = Cell((name,), _as_value(child_value), ents, measure_of(query, name, first, last))
                table.where[(name,)] = (query.region, name)
            table.cells.append(cell)
        tables.append(table)
    return tables


_NO_VALUE = float("nan")


def _as_value(value: float | None) -> float:
    """privacy.Cell wants a float: NaN stands for 'no value' (a ratio over nothing)."""
    return _NO_VALUE if value is None else value


def region_names(codes: Iterable[str]) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def usage_of(api_key: ApiKey, days: int = 31) -> list[UsageDay]:
    since = timezone.localdate() - datetime.timedelta(days=days - 1)
    return list(UsageDay.objects.filter(api_key=api_key, day__gte=since).order_by("-day"))
