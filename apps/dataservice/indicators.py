"""The catalogue of indicators served by the Data-as-a-Service API, and how each is computed
from the public daily facts (`apps.analytics.models.DailyFact`).

Every indicator belongs to a *family* (the scope an API key needs). A value is computed over a
set of fact rows (a region prefix, a period bucket, optionally one dimension value); its
*entities* are the distinct anonymous entity keys behind the indicator's main metric, which is
what k-anonymity is judged on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.analytics.metrics import Metric


class Family(StrEnum):
    UMKM = "umkm"
    COMMERCE = "commerce"
    PRICES = "prices"
    COMPLAINTS = "complaints"
    DELIVERY = "delivery"


FAMILY_LABELS: dict[Family, Promise] = {
    Family.UMKM: _("UMKM per sektor KBLI"),
    Family.COMMERCE: _("Transaksi dan GMV per kategori"),
    Family.PRICES: _("Harga dan permintaan per kategori"),
    Family.COMPLAINTS: _("Laporan warga dan penyelesaiannya"),
    Family.DELIVERY: _("Kinerja pengiriman"),
}


class Aggregate(StrEnum):
    SUM_VALUE = "sum_value"  # sum of DailyFact.value of the main metric
    SUM_COUNT = "sum_count"  # sum of DailyFact.count of the main metric
    DISTINCT = "distinct"  # number of distinct entities of the main metric over the period
    RATIO = "ratio"  # scale * sum(numerator field) / sum(denominator field)


@dataclass(frozen=True)
class Indicator:
    code: str
    family: Family
    label: Promise
    unit: Promise
    metric: str  # main metric: its rows give the entities
    aggregate: Aggregate
    dimension_label: Promise | None = None  # None: no breakdown by dimension
    # RATIO only: numerator is `numerator_field` of `metric`, denominator `denominator_field`
    # of `denominator_metric`.
    numerator_field: str = "value"
    denominator_metric: str = ""
    denominator_field: str = "count"
    scale: float = 1.0
    decimals: int = 0

    @property
    def metrics(self) -> tuple[str, ...]:
        if self.aggregate == Aggregate.RATIO and self.denominator_metric != self.metric:
            return (self.metric, self.denominator_metric)
        return (self.metric,)


SECTOR = _("sektor KBLI")
CATEGORY = _("kategori produk")
REPORT_CATEGORY = _("kategori laporan")
HUB = _("hub")

INDICATORS: tuple[Indicator, ...] = (
    Indicator("umkm_active", Family.UMKM, _("UMKM aktif"), _("usaha"), Metric.UMKM_ACTIVE, Aggregate.DISTINCT, SECTOR),
    Indicator("umkm_new", Family.UMKM, _("UMKM baru"), _("usaha"), Metric.UMKM_NEW, Aggregate.SUM_VALUE, SECTOR),
    Indicator(
        "gmv", Family.COMMERCE, _("Nilai transaksi (GMV)"), _("rupiah"), Metric.GMV, Aggregate.SUM_VALUE, CATEGORY
    ),
    Indicator("orders", Family.COMMERCE, _("Jumlah pesanan"), _("pesanan"), Metric.GMV, Aggregate.SUM_COUNT, CATEGORY),
    Indicator(
        "avg_price",
        Family.PRICES,
        _("Harga rata-rata per unit"),
        _("rupiah per unit"),
        Metric.GMV,
        Aggregate.RATIO,
        CATEGORY,
        numerator_field="value",
        denominator_metric=Metric.UNITS_SOLD,
        denominator_field="value",
    ),
    Indicator(
        "units_sold",
        Family.PRICES,
        _("Permintaan (unit terjual)"),
        _("unit"),
        Metric.UNITS_SOLD,
        Aggregate.SUM_VALUE,
        CATEGORY,
    ),
    Indicator(
        "complaints_opened",
        Family.COMPLAINTS,
        _("Laporan warga masuk"),
        _("laporan"),
        Metric.REPORTS_OPENED,
        Aggregate.SUM_VALUE,
        REPORT_CATEGORY,
    ),
    Indicator(
        "complaints_resolved",
        Family.COMPLAINTS,
        _("Laporan warga selesai"),
        _("laporan"),
        Metric.REPORTS_RESOLVED,
        Aggregate.SUM_COUNT,
        REPORT_CATEGORY,
    ),
    Indicator(
        "complaint_resolution_rate",
        Family.COMPLAINTS,
        _("Tingkat penyelesaian laporan"),
        _("persen"),
        Metric.REPORTS_RESOLVED,
        Aggregate.RATIO,
        REPORT_CATEGORY,
        numerator_field="count",
        denominator_metric=Metric.REPORTS_OPENED,
        denominator_field="value",
        scale=100.0,
        decimals=1,
    ),
    Indicator(
        "complaint_resolution_hours",
        Family.COMPLAINTS,
        _("Rata-rata waktu penyelesaian laporan"),
        _("jam"),
        Metric.REPORTS_RESOLVED,
        Aggregate.RATIO,
        REPORT_CATEGORY,
        numerator_field="value",
        denominator_metric=Metric.REPORTS_RESOLVED,
        denominator_field="count",
        scale=1 / 60,
        decimals=1,
    ),
    Indicator(
        "deliveries",
        Family.DELIVERY,
        _("Jumlah pengiriman"),
        _("pengiriman"),
        Metric.DELIVERIES,
        Aggregate.SUM_COUNT,
        HUB,
    ),
    Indicator(
        "delivery_on_time_rate",
        Family.DELIVERY,
        _("Pengiriman tepat waktu"),
        _("persen"),
        Metric.DELIVERIES_ON_TIME,
        Aggregate.RATIO,
        HUB,
        numerator_field="value",
        denominator_metric=Metric.DELIVERIES,
        denominator_field="count",
        scale=100.0,
        decimals=1,
    ),
    Indicator(
        "delivery_distance_km",
        Family.DELIVERY,
        _("Rata-rata jarak per pengiriman"),
        _("km"),
        Metric.DELIVERIES,
        Aggregate.RATIO,
        HUB,
        numerator_field="value",
        denominator_metric=Metric.DELIVERIES,
        denominator_field="count",
        scale=1 / 1000,
        decimals=2,
    ),
)

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


@dataclass(frozen=True)
class FactRow:
    """The fields of one DailyFact the computation needs."""

    metric: str
    value: int
    count: int
    entity_keys: Sequence[int]


def compute(indicator: Indicator, rows: Iterable[FactRow]) -> tuple[float | None, frozenset[int]]:
    """The indicator's value over `rows` and the distinct entities of its main metric.

    A ratio with an empty denominator has no value (None) but is not a suppression.
    """
    main: list[FactRow] = []
    denominator: list[FactRow] = []
    for row in rows:
        if row.metric == indicator.metric:
            main.append(row)
        if indicator.aggregate == Aggregate.RATIO and row.metric == indicator.denominator_metric:
            denominator.append(row)
    entities: frozenset[int] = frozenset(k for row in main for k in row.entity_keys)
    value: float | None
    if indicator.aggregate == Aggregate.SUM_VALUE:
        value = float(sum(r.value for r in main))
    elif indicator.aggregate == Aggregate.SUM_COUNT:
        value = float(sum(r.count for r in main))
    elif indicator.aggregate == Aggregate.DISTINCT:
        value = float(len(entities))
    else:
        num = sum(getattr(r, indicator.numerator_field) for r in main)
        den = sum(getattr(r, indicator.denominator_field) for r in denominator)
        value = round(indicator.scale * num / den, indicator.decimals) if den else None
    return value, entities
