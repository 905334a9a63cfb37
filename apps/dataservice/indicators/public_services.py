"""Indicators of public services: residents' reports and their resolution, delivery
performance, and satisfaction with each service (families `complaints`, `delivery`,
`satisfaction`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.facts.metrics import Metric

from .base import K_RESPONSES, Aggregate, Bound, Family, Indicator

REPORT_CATEGORY = _("kategori laporan")
HUB = _("hub")
SERVICE = _("layanan")

# Residents: reports; couriers/hubs: deliveries and metres (see marketplace.py for how the
# bounds are chosen).
REPORTS_BOUND = Bound(day=1, week=3, month=5)
RESOLVED_MINUTES_BOUND = Bound(day=14_400, week=30_000, month=60_000)
DELIVERIES_BOUND = Bound(day=40, week=200, month=800)
METRES_BOUND = Bound(day=150_000, week=750_000, month=3_000_000)
# Satisfaction: one resident answers a handful of CSAT questions a month (one per completed
# service) and NPS once a quarter; scores are 1-5.
ANSWERS_BOUND = Bound(day=2, week=5, month=10)
SCORES_BOUND = Bound(day=10, week=25, month=50)

COMPLAINTS: tuple[Indicator, ...] = (
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
)

DELIVERY: tuple[Indicator, ...] = (
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

SATISFACTION: tuple[Indicator, ...] = (
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
)
