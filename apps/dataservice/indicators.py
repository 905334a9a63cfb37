"""The catalogue of indicators served by the Data-as-a-Service API, and how each is computed
from the public daily facts (`apps.analytics.models.DailyFact`).

Every indicator belongs to a *family* (the scope an API key needs). A value is computed over a
set of fact rows (a region prefix, a period bucket, optionally one dimension value); its
*entities* are the distinct anonymous entity keys behind the indicator's main metric, which is
whose contributions differential privacy bounds.

Every indicator states its *contribution bounds* (`Bound`): the most one entity (a shop, a
resident, a courier) may add to one released cell, per granularity. Each entity's contribution
is the sum of its own shares of the facts (`DailyFact.entity_values` / `entity_counts`) over the
cell's days; contributions above the bound are clamped before noise is added, which is what
makes the noise scale (bound / epsilon) hide any single entity. Ratios have a bound for the
numerator and one for the denominator.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.facts.metrics import Metric


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


SECTOR = _("sektor KBLI")
CATEGORY = _("kategori produk")
REPORT_CATEGORY = _("kategori laporan")
HUB = _("hub")
SERVICE = _("layanan")

# Contribution bounds (per entity per cell). Shops: GMV in rupiah, orders and units; residents:
# reports; couriers/hubs: deliveries and metres. Chosen near the 95th-99th percentile of one
# UMKM's sales so clamping rarely bites, and so that kelurahan x month GMV and orders stay within
# a few percent (bench/privacy.py); an operator changes them here, with the bench re-run.
GMV_BOUND = Bound(day=1_000_000, week=3_000_000, month=10_000_000)
ORDERS_BOUND = Bound(day=10, week=40, month=150)
UNITS_BOUND = Bound(day=40, week=160, month=500)
REPORTS_BOUND = Bound(day=1, week=3, month=5)
RESOLVED_MINUTES_BOUND = Bound(day=14_400, week=30_000, month=60_000)
DELIVERIES_BOUND = Bound(day=40, week=200, month=800)
METRES_BOUND = Bound(day=150_000, week=750_000, month=3_000_000)
# Satisfaction: one resident answers a handful of CSAT questions a month (one per completed
# service) and NPS once a quarter; scores are 1-5.
ANSWERS_BOUND = Bound(day=2, week=5, month=10)
SCORES_BOUND = Bound(day=10, week=25, month=50)
K_RESPONSES = 5  # = apps.analytics.privacy.DEFAULT_K, the staff dashboards' k

INDICATORS: tuple[Indicator, ...] = (
    Indicator("umkm_active", Family.UMKM, _("UMKM aktif"), _("usaha"), Metric.UMKM_ACTIVE, Aggregate.DISTINCT, SECTOR),
    Indicator("umkm_new", Family.UMKM, _("UMKM baru"), _("usaha"), Metric.UMKM_NEW, Aggregate.SUM_VALUE, SECTOR),
    Indicator(
        "gmv",
        Family.COMMERCE,
        _("Nilai transaksi (GMV)"),
        _("rupiah"),
        Metric.GMV,
        Aggregate.SUM_VALUE,
        CATEGORY,
        bound=GMV_BOUND,
    ),
    Indicator(
        "orders",
        Family.COMMERCE,
        _("Jumlah pesanan"),
        _("pesanan"),
        Metric.GMV,
        Aggregate.SUM_COUNT,
        CATEGORY,
        bound=ORDERS_BOUND,
    ),
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
        bound=GMV_BOUND,
        denominator_bound=UNITS_BOUND,
    ),
    Indicator(
        "units_sold",
        Family.PRICES,
        _("Permintaan (unit terjual)"),
        _("unit"),
        Metric.UNITS_SOLD,
        Aggregate.SUM_VALUE,
        CATEGORY,
        bound=UNITS_BOUND,
    ),
    Indicator(
        "complaints_opened",
        Family.COMPLAINTS,
        _("Laporan warga masuk"),
        _("laporan"),
        Metric.REPORTS_OPENED,
        Aggregate.SUM_VALUE,
        REPORT_CATEGORY,
        bound=REPORTS_BOUND,
    ),
    Indicator(
        "complaints_resolved",
        Family.COMPLAINTS,
        _("Laporan warga selesai"),
        _("laporan"),
        Metric.REPORTS_RESOLVED,
        Aggregate.SUM_COUNT,
        REPORT_CATEGORY,
        bound=REPORTS_BOUND,
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
        bound=REPORTS_BOUND,
        denominator_bound=REPORTS_BOUND,
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
        bound=RESOLVED_MINUTES_BOUND,
        denominator_bound=REPORTS_BOUND,
    ),
    Indicator(
        "deliveries",
        Family.DELIVERY,
        _("Jumlah pengiriman"),
        _("pengiriman"),
        Metric.DELIVERIES,
        Aggregate.SUM_COUNT,
        HUB,
        bound=DELIVERIES_BOUND,
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
        bound=DELIVERIES_BOUND,
        denominator_bound=DELIVERIES_BOUND,
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
        bound=METRES_BOUND,
        denominator_bound=DELIVERIES_BOUND,
    ),
)

INDICATORS += (
    Indicator(
        "csat_average",
        Family.SATISFACTION,
        _("Nilai kepuasan rata-rata (1-5)"),
        _("nilai"),
        Metric.CSAT,
        Aggregate.RATIO,
        SERVICE,
        numerator_field="value",
        denominator_metric=Metric.CSAT,
        denominator_field="count",
        decimals=2,
        bound=SCORES_BOUND,
        denominator_bound=ANSWERS_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "csat_satisfied_rate",
        Family.SATISFACTION,
        _("Jawaban puas (nilai 4-5)"),
        _("persen"),
        Metric.CSAT_SATISFIED,
        Aggregate.RATIO,
        SERVICE,
        numerator_field="value",
        denominator_metric=Metric.CSAT,
        denominator_field="count",
        scale=100.0,
        decimals=1,
        bound=ANSWERS_BOUND,
        denominator_bound=ANSWERS_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "nps_promoter_rate",
        Family.SATISFACTION,
        _("Pemberi nilai rekomendasi 9-10 (promotor NPS)"),
        _("persen"),
        Metric.NPS_PROMOTERS,
        Aggregate.RATIO,
        SERVICE,
        numerator_field="value",
        denominator_metric=Metric.NPS_PROMOTERS,
        denominator_field="count",
        scale=100.0,
        decimals=1,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "nps_detractor_rate",
        Family.SATISFACTION,
        _("Pemberi nilai rekomendasi 0-6 (detraktor NPS)"),
        _("persen"),
        Metric.NPS_DETRACTORS,
        Aggregate.RATIO,
        SERVICE,
        numerator_field="value",
        denominator_metric=Metric.NPS_DETRACTORS,
        denominator_field="count",
        scale=100.0,
        decimals=1,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "active_residents",
        Family.RETENTION,
        _("Warga aktif"),
        _("warga"),
        Metric.ACTIVE_RESIDENTS,
        Aggregate.DISTINCT,
        min_responses=K_RESPONSES,
    ),
)

# --- UMKM retention, Sembako Pintar and GoTukang (issue 21) -----------------------------------
# Every indicator here is k-anonymous like the satisfaction family: a cell whose noisy count
# (households, orders, units, jobs, or a ratio's denominator) is below k is suppressed. Rupiah
# totals are not offered: a threshold on a rupiah sum would not count people, so the amount is
# released as an average per order, whose denominator (orders) carries the threshold.
PAYMENT = _("cara bayar")
SKILL = _("keahlian")
CHANNEL = _("saluran")
# One household orders once per round, and a kelurahan runs a few rounds a month.
SEMBAKO_ORDERS_BOUND = Bound(day=1, week=2, month=4)
SEMBAKO_AMOUNT_BOUND = Bound(day=500_000, week=1_000_000, month=2_000_000)
SEMBAKO_UNITS_BOUND = Bound(day=30, week=60, month=120)
# A resident asks for a few jobs a month; a busy tukang finishes one or two a day.
JOBS_ASKED_BOUND = Bound(day=2, week=4, month=8)
JOBS_DONE_BOUND = Bound(day=3, week=10, month=30)
RATING_SUM_BOUND = Bound(day=15, week=50, month=150)

INDICATORS += (
    Indicator(
        "umkm_trading",
        Family.RETENTION,
        _("UMKM yang bertransaksi"),
        _("usaha"),
        Metric.UMKM_TRADING,
        Aggregate.DISTINCT,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "sembako_households",
        Family.SEMBAKO,
        _("Rumah tangga memesan sembako"),
        _("rumah tangga"),
        Metric.SEMBAKO_ORDERS,
        Aggregate.DISTINCT,
        PAYMENT,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "sembako_orders",
        Family.SEMBAKO,
        _("Pesanan sembako lunas"),
        _("pesanan"),
        Metric.SEMBAKO_ORDERS,
        Aggregate.SUM_COUNT,
        PAYMENT,
        bound=SEMBAKO_ORDERS_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "sembako_order_value",
        Family.SEMBAKO,
        _("Nilai rata-rata pesanan sembako"),
        _("rupiah per pesanan"),
        Metric.SEMBAKO_ORDERS,
        Aggregate.RATIO,
        PAYMENT,
        numerator_field="value",
        denominator_metric=Metric.SEMBAKO_ORDERS,
        denominator_field="count",
        bound=SEMBAKO_AMOUNT_BOUND,
        denominator_bound=SEMBAKO_ORDERS_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "sembako_units",
        Family.SEMBAKO,
        _("Barang sembako dipesan"),
        _("satuan"),
        Metric.SEMBAKO_UNITS,
        Aggregate.SUM_VALUE,
        _("komoditas"),
        bound=SEMBAKO_UNITS_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_jobs_requested",
        Family.TUKANG,
        _("Pekerjaan tukang diminta"),
        _("pekerjaan"),
        Metric.TUKANG_REQUESTED,
        Aggregate.SUM_VALUE,
        SKILL,
        bound=JOBS_ASKED_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_jobs_by_channel",
        Family.TUKANG,
        _("Pekerjaan tukang diminta per saluran (web, WhatsApp)"),
        _("pekerjaan"),
        Metric.TUKANG_CHANNEL,
        Aggregate.SUM_VALUE,
        CHANNEL,
        bound=JOBS_ASKED_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_jobs_booked",
        Family.TUKANG,
        _("Pekerjaan tukang dipesan"),
        _("pekerjaan"),
        Metric.TUKANG_BOOKED,
        Aggregate.SUM_COUNT,
        SKILL,
        bound=JOBS_DONE_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_jobs_done",
        Family.TUKANG,
        _("Pekerjaan tukang selesai"),
        _("pekerjaan"),
        Metric.TUKANG_DONE,
        Aggregate.SUM_COUNT,
        SKILL,
        bound=JOBS_DONE_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_disputes",
        Family.TUKANG,
        _("Keluhan GoTukang"),
        _("keluhan"),
        Metric.TUKANG_DISPUTED,
        Aggregate.SUM_VALUE,
        SKILL,
        bound=JOBS_DONE_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_completion_rate",
        Family.TUKANG,
        _("Tingkat penyelesaian pekerjaan tukang"),
        _("persen"),
        Metric.TUKANG_DONE,
        Aggregate.RATIO,
        SKILL,
        numerator_field="count",
        denominator_metric=Metric.TUKANG_BOOKED,
        denominator_field="count",
        scale=100.0,
        decimals=1,
        bound=JOBS_DONE_BOUND,
        denominator_bound=JOBS_DONE_BOUND,
        min_responses=K_RESPONSES,
    ),
    Indicator(
        "tukang_rating_average",
        Family.TUKANG,
        _("Nilai rata-rata tukang (1-5)"),
        _("nilai"),
        Metric.TUKANG_RATED,
        Aggregate.RATIO,
        SKILL,
        numerator_field="value",
        denominator_metric=Metric.TUKANG_RATED,
        denominator_field="count",
        decimals=2,
        bound=RATING_SUM_BOUND,
        denominator_bound=JOBS_DONE_BOUND,
        min_responses=K_RESPONSES,
    ),
)
# --- end of issue 21 -------------------------------------------------------------------------
# --- issue 20: levies (the kota's own facts), UMKM invoices and invoice financing ---------------
# Every cell of these families needs at least k contributors (payers or shops), counted by a
# noisy distinct count (`k_by_entities`). Bounds: a payer's levy bills of a day, a week, a month
# (monthly retribusi of tens of thousands up to a restaurant's self-assessed tax of millions);
# a shop's invoices and financed advances (a katering's procurement invoices run to millions).
LEVY = _("jenis retribusi/pajak")
BUYER = _("jenis pembeli")
LEVY_AMOUNT_BOUND = Bound(day=2_000_000, week=5_000_000, month=10_000_000)
INVOICE_VALUE_BOUND = Bound(day=10_000_000, week=25_000_000, month=50_000_000)
INVOICES_BOUND = Bound(day=5, week=15, month=40)
PAY_DAYS_BOUND = Bound(day=450, week=1_350, month=3_600)  # up to 90 days for each invoice
ADVANCE_BOUND = Bound(day=10_000_000, week=25_000_000, month=50_000_000)
FINANCINGS_BOUND = Bound(day=3, week=8, month=20)
FEES_BOUND = Bound(day=500_000, week=1_500_000, month=3_000_000)
K_CONTRIBUTORS = K_RESPONSES


def _finance(code: str, family: Family, label: Promise, unit: Promise, metric: str, **kw: Any) -> Indicator:
    """An indicator of the finance families: at least k contributors per released cell."""
    return Indicator(code, family, label, unit, metric, min_responses=K_CONTRIBUTORS, k_by_entities=True, **kw)


INDICATORS += (
    _finance(
        "levy_billed",
        Family.LEVIES,
        _("Retribusi dan pajak ditagihkan"),
        _("rupiah"),
        Metric.LEVY_BILLED,
        aggregate=Aggregate.SUM_VALUE,
        dimension_label=LEVY,
        bound=LEVY_AMOUNT_BOUND,
    ),
    _finance(
        "levy_collected",
        Family.LEVIES,
        _("Retribusi dan pajak diterima"),
        _("rupiah"),
        Metric.LEVY_COLLECTED,
        aggregate=Aggregate.SUM_VALUE,
        dimension_label=LEVY,
        bound=LEVY_AMOUNT_BOUND,
    ),
    _finance(
        "levy_collection_rate",
        Family.LEVIES,
        _("Tingkat penerimaan retribusi dan pajak"),
        _("persen"),
        Metric.LEVY_COLLECTED,
        aggregate=Aggregate.RATIO,
        dimension_label=LEVY,
        numerator_field="value",
        denominator_metric=Metric.LEVY_BILLED,
        denominator_field="value",
        scale=100.0,
        decimals=1,
        bound=LEVY_AMOUNT_BOUND,
        denominator_bound=LEVY_AMOUNT_BOUND,
    ),
    _finance(
        "levy_fines",
        Family.LEVIES,
        _("Denda keterlambatan diterima"),
        _("rupiah"),
        Metric.LEVY_FINES,
        aggregate=Aggregate.SUM_VALUE,
        dimension_label=LEVY,
        bound=LEVY_AMOUNT_BOUND,
    ),
    _finance(
        "levy_payers_in_arrears",
        Family.LEVIES,
        _("Wajib bayar yang menunggak"),
        _("wajib bayar"),
        Metric.LEVY_OVERDUE,
        aggregate=Aggregate.DISTINCT,
        dimension_label=LEVY,
    ),
    _finance(
        "invoices_issued",
        Family.INVOICES,
        _("Faktur terbit"),
        _("faktur"),
        Metric.INVOICES_ISSUED,
        aggregate=Aggregate.SUM_COUNT,
        dimension_label=BUYER,
        bound=INVOICES_BOUND,
    ),
    _finance(
        "invoices_value",
        Family.INVOICES,
        _("Nilai faktur terbit"),
        _("rupiah"),
        Metric.INVOICES_ISSUED,
        aggregate=Aggregate.SUM_VALUE,
        dimension_label=BUYER,
        bound=INVOICE_VALUE_BOUND,
    ),
    _finance(
        "invoices_paid_value",
        Family.INVOICES,
        _("Nilai faktur lunas"),
        _("rupiah"),
        Metric.INVOICES_PAID,
        aggregate=Aggregate.SUM_VALUE,
        dimension_label=BUYER,
        bound=INVOICE_VALUE_BOUND,
    ),
    _finance(
        "invoice_days_to_pay",
        Family.INVOICES,
        _("Rata-rata lama faktur dibayar"),
        _("hari"),
        Metric.INVOICE_PAY_DAYS,
        aggregate=Aggregate.RATIO,
        dimension_label=BUYER,
        numerator_field="value",
        denominator_metric=Metric.INVOICE_PAY_DAYS,
        denominator_field="count",
        decimals=1,
        bound=PAY_DAYS_BOUND,
        denominator_bound=INVOICES_BOUND,
    ),
    _finance(
        "financing_disbursed",
        Family.FINANCING,
        _("Pembiayaan faktur dicairkan"),
        _("rupiah"),
        Metric.FINANCING_DISBURSED,
        aggregate=Aggregate.SUM_VALUE,
        bound=ADVANCE_BOUND,
    ),
    _finance(
        "financings",
        Family.FINANCING,
        _("Jumlah faktur dibiayai"),
        _("faktur"),
        Metric.FINANCING_DISBURSED,
        aggregate=Aggregate.SUM_COUNT,
        bound=FINANCINGS_BOUND,
    ),
    _finance(
        "financing_settled",
        Family.FINANCING,
        _("Pembiayaan faktur lunas"),
        _("rupiah"),
        Metric.FINANCING_SETTLED,
        aggregate=Aggregate.SUM_VALUE,
        bound=ADVANCE_BOUND,
    ),
    _finance(
        "financing_defaulted",
        Family.FINANCING,
        _("Pembiayaan faktur gagal bayar"),
        _("rupiah"),
        Metric.FINANCING_DEFAULTED,
        aggregate=Aggregate.SUM_VALUE,
        bound=ADVANCE_BOUND,
    ),
    _finance(
        "financing_fees",
        Family.FINANCING,
        _("Biaya pembiayaan faktur"),
        _("rupiah"),
        Metric.FINANCING_FEES,
        aggregate=Aggregate.SUM_VALUE,
        bound=FEES_BOUND,
    ),
)
# --- end of the issue 20 block ---

BY_CODE: dict[str, Indicator] = {i.code: i for i in INDICATORS}


@dataclass(frozen=True)
class FactRow:
    """The fields of one DailyFact the computation needs (`entity_values` / `entity_counts`
    are parallel to `entity_keys`, or empty on a legacy fact)."""

    metric: str
    value: int
    count: int
    entity_keys: Sequence[int]
    entity_values: Sequence[int] = ()
    entity_counts: Sequence[int] = ()

    def shares(self, field: str) -> Sequence[int]:
        """Each entity's own part of `field` ("value" or "count"), empty when not recorded."""
        return self.entity_values if field == "value" else self.entity_counts


Contributions = dict[int, float]  # entity key -> its (unclamped) contribution to one sum


@dataclass
class Attribution:
    """How the rows of one computation were attributed: facts without per-entity shares (rolled
    up before they existed) fall back to an equal split, which does not bound a dominant entity;
    `build_tables` logs them so an operator re-runs `manage.py rollup_facts`."""

    exact: int = 0
    equal_split: int = 0


def contributions(part: Part, rows: Iterable[FactRow], seen: Attribution | None = None) -> Contributions:
    """Each entity's contribution to `part` over `rows`: the sum of its own shares.

    A fact's part nobody's share covers (an anonymous report) is left out: it could not be
    bounded. A legacy fact with no shares is split equally among its entities (exact only when a
    row has one entity; see the README). "distinct" counts an entity once. Rows without entity
    keys cannot be attributed, so they are left out rather than released unbounded.
    """
    out: Contributions = {}
    for row in rows:
        if row.metric != part.metric or not row.entity_keys:
            continue
        if part.field == "distinct":
            for key in row.entity_keys:
                out[key] = 1.0
            continue
        shares = row.shares(part.field)
        if len(shares) == len(row.entity_keys):
            if seen is not None:
                seen.exact += 1
            for key, amount in zip(row.entity_keys, shares, strict=True):
                out[key] = out.get(key, 0.0) + float(amount)
            continue
        if seen is not None:
            seen.equal_split += 1
        share = getattr(row, part.field) / len(row.entity_keys)
        for key in row.entity_keys:
            out[key] = out.get(key, 0.0) + share
    return out
