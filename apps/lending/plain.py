"""The borrower's reasons in plain words (no scores, points, PD or model names).

The scoring engine keeps its precise sentences for the officer; the borrower reads one short
sentence per fact, grouped by whether it helped or weighed on the application, written from
the feature's stored value. Which facts are shown and their grouping come from the assessment's
reasons (the model's or the scorecard's contributions), never invented here.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from apps.core.money import rupiah


def _pct(value: float) -> str:
    return f"{abs(value) * 100:.0f}"


def _trend(v: float) -> str:
    if v >= 0.02:
        return _("Penjualan 3 bulan terakhir naik %(p)s%%") % {"p": _pct(v)}
    if v <= -0.02:
        return _("Penjualan 3 bulan terakhir turun %(p)s%%") % {"p": _pct(v)}
    return _("Penjualan 3 bulan terakhir stabil")


def _weeks(v: float) -> str:
    n = round(v * 12)
    if n >= 11:
        return _("Ada pembeli hampir setiap minggu")
    return _("Ada pembeli pada %(n)s dari 12 minggu terakhir") % {"n": n}


def _refunds(v: float) -> str:
    if v <= 0.01:
        return _("Hampir tidak ada uang pembeli yang dikembalikan")
    return _("%(p)s%% pesanan uangnya dikembalikan ke pembeli") % {"p": _pct(v)}


def _cancel_rate(v: float) -> str:
    if v <= 0.02:
        return _("Hampir tidak ada pesanan yang batal")
    return _("%(p)s%% pesanan 3 bulan terakhir batal") % {"p": _pct(v)}


def _cancellations(v: float) -> str:
    n = round(v)
    return _("Tidak ada pesanan batal bulan ini") if n == 0 else _("Ada %(n)s pesanan batal bulan ini") % {"n": n}


def _rating(v: float) -> str:
    return _("Pembeli memberi nilai %(r)s dari 5") % {"r": f"{v:.1f}".replace(".", ",")}


def _permit(v: float) -> str:
    if v >= 2:
        return _("Izin usaha sudah terbit")
    if v >= 1:
        return _("Izin usaha masih diproses")
    return _("Belum punya izin usaha")


def _iuran(v: float) -> str:
    if v >= 0.95:
        return _("Iuran dan arisan selalu dibayar tepat waktu")
    return _("%(p)s%% iuran dan arisan dibayar tepat waktu") % {"p": _pct(v)}


def _repay_on_time(v: float) -> str:
    if v >= 0.999:
        return _("Cicilan pinjaman sebelumnya selalu tepat waktu")
    return _("%(p)s%% cicilan pinjaman sebelumnya tepat waktu") % {"p": _pct(v)}


def _repay_dpd(v: float) -> str:
    n = round(v)
    return _("Belum pernah terlambat bayar") if n <= 0 else _("Pernah terlambat bayar %(n)s hari") % {"n": n}


def _wallet(v: float) -> str:
    return _("Dompet KotaKitaPay dipakai %(n)s hari dari 90 hari terakhir") % {"n": round(v)}


def _no_loan() -> str:
    return _("Belum pernah meminjam lewat KotaKita")


# feature -> (sentence for a known value, sentence when the value is missing)
_SENTENCES: dict[str, tuple[Callable[[float], str], Callable[[], str]]] = {
    "gmv_avg_3m": (lambda v: _("Penjualan rata-rata %(a)s per bulan") % {"a": rupiah(round(v))}, lambda: ""),
    "gmv_trend_3m": (_trend, lambda: ""),
    "orders_3m": (lambda v: _("%(n)s pesanan dalam 3 bulan terakhir") % {"n": round(v)}, lambda: ""),
    "active_weeks_ratio_12w": (_weeks, lambda: ""),
    "refund_rate_3m": (_refunds, lambda: ""),
    "cancel_rate_3m": (_cancel_rate, lambda: ""),
    "cancellations_30d": (_cancellations, lambda: ""),
    "rating_avg": (_rating, lambda: _("Belum ada nilai dari pembeli")),
    "tenure_months": (lambda v: _("Sudah %(n)s bulan berjualan di KotaKita") % {"n": round(v)}, lambda: ""),
    "permit_level": (_permit, lambda: ""),
    "iuran_on_time_ratio": (_iuran, lambda: _("Belum ada catatan iuran atau arisan")),
    "repay_on_time_ratio": (_repay_on_time, _no_loan),
    "repay_max_dpd": (_repay_dpd, _no_loan),
    "wallet_active_days_3m": (_wallet, lambda: _("Belum punya dompet KotaKitaPay")),
}


def sentence(feature: str, value: Any) -> str:
    """One plain sentence for a feature's value ("" for a feature the borrower is not told about)."""
    pair = _SENTENCES.get(feature)
    if pair is None:
        return ""
    known, missing = pair
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing()
    return known(float(value))


@dataclass(frozen=True)
class PlainReasons:
    helped: list[str] = field(default_factory=list)
    against: list[str] = field(default_factory=list)


def reasons_of(assessment: Any) -> PlainReasons:
    """The assessment's reasons as plain sentences: what helped, what weighed on it."""
    if assessment is None:
        return PlainReasons()
    values: Mapping[str, Any] = assessment.features or {}
    out = PlainReasons()
    seen: set[str] = set()
    for reason in assessment.reasons or []:
        text = sentence(str(reason.get("feature", "")), values.get(str(reason.get("feature", ""))))
        if not text or text in seen:  # both repayment facts read "never borrowed": say it once
            continue
        seen.add(text)
        (out.against if reason.get("raises_risk") else out.helped).append(text)
    return out
