"""Sembako Pintar and GoTukang (issue 21; families `sembako`, `tukang`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.facts.metrics import Metric

from .base import K_RESPONSES, Aggregate, Bound, Family, Indicator

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

COMMUNITY: tuple[Indicator, ...] = (
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
