"""Marketplace indicators: UMKM per KBLI sector, transactions and GMV, prices and demand
per product category (families `umkm`, `commerce`, `prices`)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.facts.metrics import Metric

from .base import Aggregate, Bound, Family, Indicator

SECTOR = _("sektor KBLI")
CATEGORY = _("kategori produk")

# Contribution bounds (per entity per cell). Shops: GMV in rupiah, orders and units; residents:
# reports; couriers/hubs: deliveries and metres. Chosen near the 95th-99th percentile of one
# UMKM's sales so clamping rarely bites, and so that kelurahan x month GMV and orders stay within
# a few percent (bench/privacy.py); an operator changes them here, with the bench re-run.
GMV_BOUND = Bound(day=1_000_000, week=3_000_000, month=10_000_000)
ORDERS_BOUND = Bound(day=10, week=40, month=150)
UNITS_BOUND = Bound(day=40, week=160, month=500)

MARKETPLACE: tuple[Indicator, ...] = (
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
)
