"""Levies (the kota's own facts), UMKM invoices and invoice financing (issue 20; families
`levies`, `invoices`, `financing`)."""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from apps.facts.metrics import Metric

from .base import K_RESPONSES, Aggregate, Bound, Family, Indicator

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


FINANCE: tuple[Indicator, ...] = (
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
