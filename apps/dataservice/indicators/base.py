"""The building blocks of the Data-as-a-Service catalogue: indicator families, aggregates,
contribution bounds (`Bound`) and the `Indicator` itself (see the package docstring)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Family(StrEnum):
    UMKM = "umkm"
    COMMERCE = "commerce"
    PRICES = "prices"
    COMPLAINTS = "complaints"
    DELIVERY = "delivery"
    SATISFACTION = "satisfaction"
    RETENTION = "retention"
    # Issue 21: Sembako Pintar and GoTukang (see the block before BY_CODE).
    SEMBAKO = "sembako"
    TUKANG = "tukang"
    # Issue 20: levies, UMKM invoices and invoice financing.
    LEVIES = "levies"
    INVOICES = "invoices"
    FINANCING = "financing"


FAMILY_LABELS: dict[Family, Promise] = {
    Family.UMKM: _("UMKM per sektor KBLI"),
    Family.COMMERCE: _("Transaksi dan GMV per kategori"),
    Family.PRICES: _("Harga dan permintaan per kategori"),
    Family.COMPLAINTS: _("Laporan warga dan penyelesaiannya"),
    Family.DELIVERY: _("Kinerja pengiriman"),
    Family.SATISFACTION: _("Kepuasan warga per layanan (CSAT, NPS)"),
    Family.RETENTION: _("Warga dan UMKM aktif per bulan"),
    Family.SEMBAKO: _("Sembako Pintar: pesanan rumah tangga dan cara bayarnya"),
    Family.TUKANG: _("GoTukang: pekerjaan tukang per keahlian"),
    Family.LEVIES: _("Retribusi dan pajak daerah"),
    Family.INVOICES: _("Faktur UMKM"),
    Family.FINANCING: _("Pembiayaan faktur UMKM"),
}


class Aggregate(StrEnum):
    SUM_VALUE = "sum_value"  # sum of DailyFact.value of the main metric
    SUM_COUNT = "sum_count"  # sum of DailyFact.count of the main metric
    DISTINCT = "distinct"  # number of distinct entities of the main metric over the period
    RATIO = "ratio"  # scale * sum(numerator field) / sum(denominator field)


@dataclass(frozen=True)
class Bound:
    """Most one entity may contribute to one cell of a day, a week and a month."""

    day: float
    week: float
    month: float

    def at(self, granularity: str) -> float:
        return float({"day": self.day, "week": self.week, "month": self.month}[granularity])


ONE_PER_CELL = Bound(1, 1, 1)  # distinct entities, or events an entity has once (a new shop)


@dataclass(frozen=True)
class Part:
    """One noisy sum behind an indicator: `field` ("value", "count" or "distinct") of `metric`'s
    rows, each entity's contribution clamped at `bound`."""

    metric: str
    field: str
    bound: Bound


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
    bound: Bound = ONE_PER_CELL  # of the main sum (the numerator of a ratio)
    denominator_bound: Bound = ONE_PER_CELL
    # k-anonymity on top of the noise: a cell whose released (noisy) number of answers or
    # entities is below this is suppressed ("below_k"); 0 = no threshold. Deciding on the noisy
    # value keeps the decision itself differentially private (post-processing).
    min_responses: int = 0
    # The threshold counts contributors: a noisy number of the main metric's distinct entities
    # is released as one more part (spending its share of the epsilon, never published) and a
    # cell whose count is below `min_responses` is suppressed. For sums of rupiah, where the
    # last part is no count of anyone (issue 20's finance families).
    k_by_entities: bool = False

    @property
    def parts(self) -> tuple[Part, ...]:
        """The noisy sums released for one cell (two for a ratio, each spending half; one more,
        the distinct entities, for a threshold `k_by_entities`). The threshold reads the last."""
        if self.aggregate == Aggregate.DISTINCT:
            return (Part(self.metric, "distinct", ONE_PER_CELL),)
        if self.aggregate == Aggregate.SUM_VALUE:
            parts: tuple[Part, ...] = (Part(self.metric, "value", self.bound),)
        elif self.aggregate == Aggregate.SUM_COUNT:
            parts = (Part(self.metric, "count", self.bound),)
        else:
            parts = (
                Part(self.metric, self.numerator_field, self.bound),
                Part(self.denominator_metric, self.denominator_field, self.denominator_bound),
            )
        if self.k_by_entities and self.min_responses:
            parts += (Part(self.metric, "distinct", ONE_PER_CELL),)
        return parts

    @property
    def metrics(self) -> tuple[str, ...]:
        if self.aggregate == Aggregate.RATIO and self.denominator_metric != self.metric:
            return (self.metric, self.denominator_metric)
        return (self.metric,)


K_RESPONSES = 5  # = apps.analytics.privacy.DEFAULT_K, the staff dashboards' k
