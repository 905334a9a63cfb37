"""The dashboards' finance figures (issue 20).

The indicators of the kelurahan's UMKM invoices and invoice financing (`INDICATORS`, part of
`apps.analytics.dashboards.INDICATORS`), and the kota dashboard's levies section: retribusi and
local taxes billed, collected, overdue and fines, for the whole kota, per kelurahan and per levy.

Levies are the kota's own (apps.levies, kota schemas only), so their facts are the kota tenant's
own rows: per levy code (dimension of LEVY_*) and per kelurahan (dimension = the kelurahan's
region code of LEVY_*_KEL). A cell computed from fewer than k payers is shown as "< k", like
the kelurahan comparison (`apps.analytics.dashboards.below_k`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant

from . import selectors
from .indicator import Indicator, ratio, stock
from .privacy import DEFAULT_K
from .selectors import Aggregate, Cell, Period


# --- invoices and invoice financing of the kelurahan's UMKM -----------------------------------
def _pay_days(buyer: str) -> Callable[[Aggregate], float | None]:
    return lambda a: ratio(*a.flow(Metric.INVOICE_PAY_DAYS, buyer))


INVOICES = gettext_lazy("Faktur UMKM")
FINANCING = gettext_lazy("Pembiayaan faktur")
INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "invoices_issued",
        gettext_lazy("Faktur terbit"),
        "count",
        INVOICES,
        (Metric.INVOICES_ISSUED,),
        lambda a: a.flow(Metric.INVOICES_ISSUED)[1],
    ),
    Indicator(
        "invoices_value",
        gettext_lazy("Nilai faktur terbit"),
        "rupiah",
        INVOICES,
        (Metric.INVOICES_ISSUED,),
        lambda a: a.flow(Metric.INVOICES_ISSUED)[0],
    ),
    Indicator(
        "invoices_paid",
        gettext_lazy("Nilai faktur lunas"),
        "rupiah",
        INVOICES,
        (Metric.INVOICES_PAID, Metric.INVOICES_ISSUED),
        lambda a: a.flow(Metric.INVOICES_PAID)[0],
    ),
    Indicator(
        "invoices_overdue",
        gettext_lazy("Faktur lewat jatuh tempo"),
        "rupiah",
        INVOICES,
        (Metric.INVOICES_OVERDUE,),
        lambda a: stock(a, Metric.INVOICES_OVERDUE),
        higher_is_better=False,
        hint=gettext_lazy("Sisa tagihan faktur yang sudah lewat jatuh tempo pada akhir rentang."),
    ),
    Indicator(
        "invoice_pay_days",
        gettext_lazy("Rata-rata lama faktur dibayar"),
        "days",
        INVOICES,
        (Metric.INVOICE_PAY_DAYS,),
        _pay_days(""),
        higher_is_better=False,
        hint=gettext_lazy("Hari dari tanggal faktur sampai lunas, untuk faktur yang lunas dalam rentang ini."),
    ),
    Indicator(
        "invoice_pay_days_government",
        gettext_lazy("Lama bayar pembeli pemerintah"),
        "days",
        INVOICES,
        (Metric.INVOICE_PAY_DAYS,),
        _pay_days("pemerintah"),
        higher_is_better=False,
        in_comparison=False,
    ),
    Indicator(
        "invoice_pay_days_business",
        gettext_lazy("Lama bayar pembeli usaha"),
        "days",
        INVOICES,
        (Metric.INVOICE_PAY_DAYS,),
        _pay_days("usaha"),
        higher_is_better=False,
        in_comparison=False,
    ),
    Indicator(
        "financing_disbursed",
        gettext_lazy("Pembiayaan faktur dicairkan"),
        "rupiah",
        FINANCING,
        (Metric.FINANCING_DISBURSED, Metric.FINANCING_OUTSTANDING),
        lambda a: a.flow(Metric.FINANCING_DISBURSED)[0],
        hint=gettext_lazy("Uang muka yang dibayarkan lembaga keuangan kepada UMKM atas faktur mereka."),
    ),
    Indicator(
        "financing_outstanding",
        gettext_lazy("Sisa pembiayaan faktur"),
        "rupiah",
        FINANCING,
        (Metric.FINANCING_OUTSTANDING,),
        lambda a: stock(a, Metric.FINANCING_OUTSTANDING),
    ),
    Indicator(
        "financing_settled",
        gettext_lazy("Pembiayaan faktur lunas"),
        "rupiah",
        FINANCING,
        (Metric.FINANCING_SETTLED, Metric.FINANCING_OUTSTANDING),
        lambda a: a.flow(Metric.FINANCING_SETTLED)[0],
    ),
    Indicator(
        "financing_defaulted",
        gettext_lazy("Pembiayaan faktur gagal bayar"),
        "rupiah",
        FINANCING,
        (Metric.FINANCING_DEFAULTED, Metric.FINANCING_OUTSTANDING),
        lambda a: a.flow(Metric.FINANCING_DEFAULTED)[0],
        higher_is_better=False,
    ),
    Indicator(
        "financing_fees",
        gettext_lazy("Biaya pembiayaan dibayar UMKM"),
        "rupiah",
        FINANCING,
        (Metric.FINANCING_FEES, Metric.FINANCING_OUTSTANDING),
        lambda a: a.flow(Metric.FINANCING_FEES)[0],
    ),
)


# --- the kota's levies --------------------------------------------------------------------------
METRICS = (
    Metric.LEVY_BILLED,
    Metric.LEVY_COLLECTED,
    Metric.LEVY_FINES,
    Metric.LEVY_OVERDUE,
    Metric.LEVY_BILLED_KEL,
    Metric.LEVY_COLLECTED_KEL,
    Metric.LEVY_OVERDUE_KEL,
)
EMPTY = Cell(0, 0, 0)


def _fmt(value: float | None, unit: str) -> str:
    from .dashboards import fmt  # the dashboards' number format (imports this module)

    return fmt(value, unit)


def _rate(collected: int, billed: int) -> float | None:
    return collected / billed * 100 if billed else None


def _hidden(*cells: Cell) -> bool:
    return any(0 < c.entities < DEFAULT_K for c in cells)


def _row_cells(billed: Cell, collected: Cell, overdue: Cell) -> list[dict[str, Any]]:
    """Billed, collected, collection rate and overdue of one row, each "< k" when fewer than k
    payers make it (a rate when either of its two sums is)."""
    hidden = f"< {DEFAULT_K}"
    out = []
    for cells, value, unit in (
        ((billed,), billed.value, "rupiah"),
        ((collected,), collected.value, "rupiah"),
        ((billed, collected), _rate(collected.value, billed.value), "percent"),
        ((overdue,), overdue.value, "rupiah"),
    ):
        suppressed = _hidden(*cells)
        out.append({"text": hidden if suppressed else _fmt(value, unit), "suppressed": suppressed})
    return out


def levies(kota: Tenant, children: Sequence[Tenant], period: Period) -> dict[str, Any]:
    cells = selectors.own_cells(kota.pk, period, METRICS)

    def cell(metric: str, dimension: str = "") -> Cell:
        return cells.get((metric, dimension), EMPTY)

    has_data = bool(cells)
    billed, collected = cell(Metric.LEVY_BILLED), cell(Metric.LEVY_COLLECTED)
    figures = (
        ("levy_billed", _("Tagihan terbit"), billed.value, "rupiah"),
        ("levy_collected", _("Retribusi dan pajak diterima"), collected.value, "rupiah"),
        ("levy_rate", _("Tingkat penerimaan"), _rate(collected.value, billed.value), "percent"),
        ("levy_fines", _("Denda keterlambatan diterima"), cell(Metric.LEVY_FINES).value, "rupiah"),
        ("levy_overdue", _("Tunggakan (pokok lewat jatuh tempo)"), cell(Metric.LEVY_OVERDUE).value, "rupiah"),
    )
    kpis = [
        {
            "key": key,
            "label": label,
            "value": value if has_data else None,
            "text": _fmt(value if has_data else None, unit),
        }
        for key, label, value, unit in figures
    ]
    kpis.append(
        {
            "key": "levy_bills",
            "label": _("Tagihan terbit (lembar) / lunas (lembar)"),
            "value": billed.count if has_data else None,
            "text": f"{billed.count} / {collected.count}" if has_data else _fmt(None, "count"),
        }
    )
    kelurahan = [
        {
            "name": child.name,
            "code": str(child.region_id),
            "cells": _row_cells(
                cell(Metric.LEVY_BILLED_KEL, str(child.region_id)),
                cell(Metric.LEVY_COLLECTED_KEL, str(child.region_id)),
                cell(Metric.LEVY_OVERDUE_KEL, str(child.region_id)),
            ),
        }
        for child in children
    ]
    codes = sorted(
        {d for (m, d) in cells if d and m in (Metric.LEVY_BILLED, Metric.LEVY_COLLECTED, Metric.LEVY_OVERDUE)}
    )
    by_levy = [
        {
            "name": code,
            "code": code,
            "cells": _row_cells(
                cell(Metric.LEVY_BILLED, code), cell(Metric.LEVY_COLLECTED, code), cell(Metric.LEVY_OVERDUE, code)
            ),
        }
        for code in codes
    ]
    return {
        "has_data": has_data,
        "kpis": kpis,
        "columns": [_("Tagihan terbit"), _("Diterima"), _("Tingkat penerimaan"), _("Tunggakan")],
        "kelurahan": kelurahan,
        "levies": by_levy,
    }
