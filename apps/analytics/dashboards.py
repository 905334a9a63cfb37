"""What the lurah and kota dashboards show, computed from the roll-ups and cached.

Indicators are derived from an `Aggregate` (selectors); a value of None means no fact of the
metrics behind it exists for the period ("belum ada data"), which is different from 0.
Cache keys carry the tenant, the period, the indicator and the tenant's facts version
(bumped by every roll-up), and the cache itself prefixes every key with the schema.
"""

from __future__ import annotations

import datetime
import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed
from apps.core.money import rupiah, thousands
from apps.facts.metrics import Metric
from apps.tenancy.models import Tenant

from . import community, finance, satisfaction, selectors
from .indicator import Indicator
from .indicator import ratio as _ratio
from .indicator import stock as _stock
from .privacy import DEFAULT_K
from .selectors import Aggregate, Period
from .services import facts_version

CACHE_SECONDS = 60 * 60
MAX_DAYS = 366 * 3
GEOJSON = Path(settings.BASE_DIR) / "apps" / "tenancy" / "data" / "kota-madiun-kelurahan.geojson"


def _growth(agg: Aggregate) -> float | None:
    start = agg.stock_start.get((Metric.UMKM_ACTIVE, ""))
    end = agg.stock_end.get((Metric.UMKM_ACTIVE, ""))
    if not start or end is None:
        return None
    return (end - start) / start * 100


LATE_OVER_30 = ("31-60", "61-90", "90+")  # the arrears buckets of apps.lending.facts past 30 days


def _at_risk(agg: Aggregate) -> int:
    """Outstanding of loans more than 30 days late (PAR30): a few days late is usually a
    payment on its way; past 30 days it is a loan in trouble."""
    return sum(v for (m, d), v in agg.stock_end.items() if m == Metric.LOANS_AT_RISK and d in LATE_OVER_30)


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "umkm_active",
        gettext_lazy("UMKM aktif"),
        "count",
        gettext_lazy("UMKM"),
        (Metric.UMKM_ACTIVE,),
        lambda a: _stock(a, Metric.UMKM_ACTIVE),
    ),
    Indicator(
        "umkm_growth", gettext_lazy("Pertumbuhan UMKM"), "percent", gettext_lazy("UMKM"), (Metric.UMKM_ACTIVE,), _growth
    ),
    Indicator(
        "umkm_new",
        gettext_lazy("UMKM baru"),
        "count",
        gettext_lazy("UMKM"),
        (Metric.UMKM_ACTIVE,),
        lambda a: a.flow(Metric.UMKM_NEW)[0],
    ),
    Indicator(
        "umkm_trading",
        gettext_lazy("UMKM yang bertransaksi"),
        "count",
        gettext_lazy("UMKM"),
        (Metric.UMKM_TRADING,),
        lambda a: a.distinct.get(Metric.UMKM_TRADING, 0),
        hint=gettext_lazy("Usaha yang menjual, menyelesaikan pesanan atau mengubah dagangannya dalam rentang ini."),
    ),
    Indicator(
        "gmv",
        gettext_lazy("Nilai penjualan"),
        "rupiah",
        gettext_lazy("Pasar"),
        (Metric.GMV,),
        lambda a: a.flow(Metric.GMV)[0],
        hint=gettext_lazy("Jumlah rupiah semua pesanan di pasar KotaKita (disebut juga GMV)."),
    ),
    Indicator(
        "transactions",
        gettext_lazy("Transaksi"),
        "count",
        gettext_lazy("Pasar"),
        (Metric.GMV,),
        lambda a: a.flow(Metric.GMV)[1],
    ),
    Indicator(
        "payments",
        gettext_lazy("Pembayaran KotaKitaPay"),
        "rupiah",
        gettext_lazy("Pasar"),
        (Metric.PAYMENTS,),
        lambda a: a.flow(Metric.PAYMENTS)[0],
    ),
    Indicator(
        "permits_submitted",
        gettext_lazy("Izin diajukan"),
        "count",
        gettext_lazy("Perizinan"),
        (Metric.PERMITS_SUBMITTED, Metric.PERMITS_ISSUED),
        lambda a: a.flow(Metric.PERMITS_SUBMITTED)[0],
    ),
    Indicator(
        "permits_issued",
        gettext_lazy("Izin terbit"),
        "count",
        gettext_lazy("Perizinan"),
        (Metric.PERMITS_SUBMITTED, Metric.PERMITS_ISSUED),
        lambda a: a.flow(Metric.PERMITS_ISSUED)[1],
    ),
    Indicator(
        "permit_days",
        gettext_lazy("Rata-rata lama terbit izin"),
        "days",
        gettext_lazy("Perizinan"),
        (Metric.PERMITS_ISSUED,),
        lambda a: _ratio(*a.flow(Metric.PERMITS_ISSUED), scale=1 / 1440),
        higher_is_better=False,
    ),
    Indicator(
        "permits_overdue",
        gettext_lazy("Izin terlambat"),
        "count",
        gettext_lazy("Perizinan"),
        (Metric.PERMITS_SUBMITTED, Metric.PERMITS_ISSUED, Metric.PERMITS_OVERDUE),
        lambda a: _stock(a, Metric.PERMITS_OVERDUE),
        higher_is_better=False,
        hint=gettext_lazy("Permohonan yang belum selesai padahal batas waktu layanannya sudah lewat."),
    ),
    Indicator(
        "reports_opened",
        gettext_lazy("Laporan warga masuk"),
        "count",
        gettext_lazy("Laporan warga"),
        (Metric.REPORTS_OPENED, Metric.REPORTS_RESOLVED),
        lambda a: a.flow(Metric.REPORTS_OPENED)[0],
        higher_is_better=False,
    ),
    Indicator(
        "reports_resolved",
        gettext_lazy("Laporan selesai"),
        "count",
        gettext_lazy("Laporan warga"),
        (Metric.REPORTS_OPENED, Metric.REPORTS_RESOLVED),
        lambda a: a.flow(Metric.REPORTS_RESOLVED)[1],
    ),
    Indicator(
        "resolve_hours",
        gettext_lazy("Rata-rata waktu penyelesaian"),
        "hours",
        gettext_lazy("Laporan warga"),
        (Metric.REPORTS_RESOLVED,),
        lambda a: _ratio(*a.flow(Metric.REPORTS_RESOLVED), scale=1 / 60),
        higher_is_better=False,
    ),
    Indicator(
        "aid_distributed",
        gettext_lazy("Bansos tersalurkan"),
        "rupiah",
        gettext_lazy("Bansos"),
        (Metric.AID_DISTRIBUTED, Metric.AID_ENROLLED),
        lambda a: a.flow(Metric.AID_DISTRIBUTED)[0],
    ),
    Indicator(
        "aid_coverage",
        gettext_lazy("Penerima bansos yang sudah menerima"),
        "percent",
        gettext_lazy("Bansos"),
        (Metric.AID_ENROLLED,),
        lambda a: _ratio(a.distinct.get(Metric.AID_DISTRIBUTED, 0), _stock(a, Metric.AID_ENROLLED), 100),
        hint=gettext_lazy("Dari semua penerima yang terdaftar, berapa persen sudah menerima bantuannya."),
    ),
    Indicator(
        "active_residents",
        gettext_lazy("Warga aktif"),
        "count",
        gettext_lazy("Partisipasi"),
        (Metric.ACTIVE_RESIDENTS, Metric.RESIDENTS_REGISTERED),
        lambda a: a.distinct.get(Metric.ACTIVE_RESIDENTS, 0),
    ),
    Indicator(
        "participation",
        gettext_lazy("Partisipasi warga"),
        "percent",
        gettext_lazy("Partisipasi"),
        (Metric.RESIDENTS_REGISTERED,),
        lambda a: _ratio(a.distinct.get(Metric.ACTIVE_RESIDENTS, 0), _stock(a, Metric.RESIDENTS_REGISTERED), 100),
        hint=gettext_lazy("Dari warga yang terdaftar, berapa persen memakai KotaKita dalam rentang ini."),
    ),
    Indicator(
        "deliveries",
        gettext_lazy("Pengiriman"),
        "count",
        gettext_lazy("Pengiriman"),
        (Metric.DELIVERIES,),
        lambda a: a.flow(Metric.DELIVERIES)[1],
    ),
    Indicator(
        "on_time",
        gettext_lazy("Pengiriman tepat waktu"),
        "percent",
        gettext_lazy("Pengiriman"),
        (Metric.DELIVERIES,),
        lambda a: _ratio(a.flow(Metric.DELIVERIES_ON_TIME)[0], a.flow(Metric.DELIVERIES)[1], 100),
    ),
    Indicator(
        "loans_outstanding",
        gettext_lazy("Sisa pinjaman yang belum dibayar"),
        "rupiah",
        gettext_lazy("Pinjaman"),
        (Metric.LOANS_OUTSTANDING,),
        lambda a: _stock(a, Metric.LOANS_OUTSTANDING),
    ),
    Indicator(
        "par",
        gettext_lazy("Pinjaman menunggak > 30 hari"),
        "percent",
        gettext_lazy("Pinjaman"),
        (Metric.LOANS_OUTSTANDING,),
        lambda a: _ratio(_at_risk(a), _stock(a, Metric.LOANS_OUTSTANDING), 100),
        higher_is_better=False,
        hint=gettext_lazy(
            "Bagian sisa pinjaman yang cicilannya terlambat lebih dari 30 hari (disebut juga PAR30); "
            "makin kecil makin baik."
        ),
    ),
)


def _csat(a: Aggregate) -> float | None:
    return _ratio(*a.flow(Metric.CSAT))


def _nps(a: Aggregate) -> float | None:
    promoters, answers = a.flow(Metric.NPS_PROMOTERS)
    return _ratio(promoters - a.flow(Metric.NPS_DETRACTORS)[0], answers, 100)


INDICATORS += (
    Indicator(
        "csat",
        gettext_lazy("Nilai kepuasan layanan"),
        "score",
        gettext_lazy("Kepuasan warga"),
        (Metric.CSAT,),
        _csat,
        hint=gettext_lazy("Rata-rata nilai 1–5 yang diberikan warga setelah layanan selesai (disebut juga CSAT)."),
    ),
    Indicator(
        "csat_satisfied",
        gettext_lazy("Warga yang puas"),
        "percent",
        gettext_lazy("Kepuasan warga"),
        (Metric.CSAT,),
        lambda a: _ratio(a.flow(Metric.CSAT_SATISFIED)[0], a.flow(Metric.CSAT)[1], 100),
        hint=gettext_lazy("Bagian jawaban bernilai 4 atau 5 dari 5."),
    ),
    Indicator(
        "nps",
        gettext_lazy("Kesediaan merekomendasikan"),
        "nps",
        gettext_lazy("Kepuasan warga"),
        (Metric.NPS_PROMOTERS,),
        _nps,
        hint=gettext_lazy(
            "Persen warga yang pasti merekomendasikan (9–10) dikurangi persen yang tidak (0–6), "
            "dari -100 sampai 100 (disebut juga NPS)."
        ),
    ),
)


INDICATORS += community.INDICATORS  # Sembako Pintar and GoTukang (issue 21)
INDICATORS += finance.INDICATORS  # invoices and invoice financing (issue 20)
BY_KEY = {ind.key: ind for ind in INDICATORS}
COMPARED = tuple(ind for ind in INDICATORS if ind.in_comparison)  # the kota comparison's columns
K_ANONYMITY = DEFAULT_K  # the comparison's cells of fewer entities are shown as "< k"
# Indicators a kota can paint on its map (comparable between kelurahan of different sizes too).
MAP_INDICATORS = (
    "umkm_active",
    "umkm_growth",
    "gmv",
    "transactions",
    "reports_opened",
    "resolve_hours",
    "permit_days",
    "aid_coverage",
    "participation",
    "on_time",
    "par",
    "csat_satisfied",
)


def value_of(ind: Indicator, agg: Aggregate) -> float | None:
    if not any(metric in agg.metrics for metric in ind.needs):
        return None
    return ind.compute(agg)


def fmt(value: float | None, unit: str) -> str:
    if value is None:
        return _("belum ada data")
    if unit == "rupiah":
        return rupiah(value)
    if unit == "percent":
        return f"{value:.1f}".replace(".", ",") + "%"
    if unit == "score":
        return f"{value:.1f}".replace(".", ",") + " / 5"
    if unit == "nps":
        return f"{round(value):+d}" if round(value) else "0"
    if unit in ("days", "hours"):
        number = f"{value:.1f}".replace(".", ",")
        return (_("%(n)s hari") if unit == "days" else _("%(n)s jam")) % {"n": number}
    return thousands(round(value))


# --- the period filter ----------------------------------------------------------------------

PRESETS: dict[str, tuple[str | Promise, int | None]] = {
    "7h": (gettext_lazy("7 hari"), 7),
    "30h": (gettext_lazy("30 hari"), 30),
    "90h": (gettext_lazy("90 hari"), 90),
    "1t": (gettext_lazy("1 tahun"), 365),
    "tahun-ini": (gettext_lazy("Tahun ini"), None),
}
DEFAULT_PRESET = "30h"


def parse_period(params: Any, today: datetime.date | None = None) -> tuple[Period, str]:
    """From GET (`dari`, `sampai` as YYYY-MM-DD, or `rentang` = a preset); raises ValidationFailed."""
    today = today or timezone.localdate()
    raw_from, raw_to = (params.get("dari") or "").strip(), (params.get("sampai") or "").strip()
    preset = (params.get("rentang") or "").strip()
    if raw_from or raw_to:
        try:
            start = datetime.date.fromisoformat(raw_from) if raw_from else today - datetime.timedelta(days=29)
            end = datetime.date.fromisoformat(raw_to) if raw_to else today
        except ValueError as exc:
            raise ValidationFailed(_("Tanggal harus berformat TTTT-BB-HH, mis. 2026-03-01."), code="bad_date") from exc
        preset = ""
    else:
        preset = preset or DEFAULT_PRESET
        if preset not in PRESETS:
            raise ValidationFailed(_("Rentang waktu tidak dikenal."), code="bad_preset")
        days = PRESETS[preset][1]
        end = today
        start = datetime.date(today.year, 1, 1) if days is None else today - datetime.timedelta(days=days - 1)
    if start > end:
        raise ValidationFailed(_("Tanggal awal harus sebelum tanggal akhir."), code="bad_range")
    if end > today:
        raise ValidationFailed(_("Tanggal akhir tidak boleh di masa depan."), code="future_date")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(_("Rentang paling panjang 3 tahun."), code="range_too_long")
    return Period(start, end), preset


# --- the pages' data ----------------------------------------------------------------------

CHART_METRICS = (Metric.GMV, Metric.UMKM_ACTIVE, Metric.REPORTS_OPENED, Metric.ACTIVE_RESIDENTS)


def _kpis(agg: Aggregate) -> list[dict[str, Any]]:
    rows = []
    for ind in INDICATORS:
        value = value_of(ind, agg)
        rows.append(
            {
                "key": ind.key,
                "label": str(ind.label),
                "hint": str(ind.hint),
                "group": str(ind.group),
                "unit": ind.unit,
                "value": value,
                "text": fmt(value, ind.unit),
            }
        )
    return rows


def _series_rows(raw: dict[str, list[tuple[datetime.date, int, int]]]) -> dict[str, list[tuple[str, int]]]:
    return {metric: [(d.isoformat(), v) for d, v, _c in points] for metric, points in raw.items()}


def _satisfaction(ids: list[int], period: Period) -> dict[str, Any]:
    return {
        "satisfaction": satisfaction.by_service(ids, period),
        "cohorts": [
            (_("Warga aktif"), satisfaction.cohorts(ids, Metric.ACTIVE_RESIDENTS, period.end)),
            (_("UMKM yang bertransaksi"), satisfaction.cohorts(ids, Metric.UMKM_TRADING, period.end)),
        ],
    }


def lurah_data(tenant: Tenant, period: Period) -> dict[str, Any]:
    key = f"analytics:lurah:{get_language()}:{tenant.pk}:{facts_version(tenant.pk)}:{period.start}:{period.end}"
    data: dict[str, Any] | None = cache.get(key)
    if data is None:
        agg = selectors.combined([tenant.pk], period)
        data = {
            "kpis": _kpis(agg),
            "series": _series_rows(selectors.series([tenant.pk], period, CHART_METRICS)),
            "bucket": selectors.bucket_of(period),
            "reports_by_category": [(dim, v) for dim, v, _c in agg.breakdown(Metric.REPORTS_OPENED)],
            "gmv_by_category": [(dim, v) for dim, v, _c in agg.breakdown(Metric.GMV)],
            "umkm_by_sector": [(dim, v) for dim, v, _c in agg.breakdown(Metric.UMKM_ACTIVE)],
            "aid_by_program": [(dim, v) for dim, v, _c in agg.breakdown(Metric.AID_DISTRIBUTED)],
            **_satisfaction([tenant.pk], period),
            **community.breakdowns(agg),
        }
        cache.set(key, data, CACHE_SECONDS)
    return data


def below_k(entities: dict[str, int]) -> list[str]:
    """Indicators of one kelurahan computed from 1..k-1 entities: shown as "< k" wherever the
    comparison leaves staff hands (page and exports); 0 entities disclose no one."""
    return [ind.key for ind in COMPARED if 0 < entities.get(ind.needs[0], 0) < K_ANONYMITY]


def shown(row: dict[str, Any], ind: Indicator) -> str | None:
    """The "< k" text of a small cell of the comparison, None when its number may be shown."""
    return f"< {K_ANONYMITY}" if ind.key in row.get("below_k", ()) else None


def children_of(kota: Tenant) -> list[Tenant]:
    """The kota's own kelurahan (Tenant.parent), never anyone else's."""
    return list(
        Tenant.objects.filter(parent=kota, tenant_type=Tenant.Type.KELURAHAN)
        .exclude(status=Tenant.Status.SUSPENDED)
        .select_related("region")
        .order_by("name")
    )


def kota_data(kota: Tenant, period: Period, indicator: str) -> dict[str, Any]:
    if indicator not in MAP_INDICATORS:
        raise ValidationFailed(_("Indikator tidak dikenal."), code="bad_indicator")
    children = children_of(kota)
    ids = [c.pk for c in children]
    # Cached labels are translated text: one entry per language.
    key = f"analytics:kota:{get_language()}:{kota.pk}:{facts_version(kota.pk)}:{period.start}:{period.end}:" + ",".join(
        map(str, ids)
    )
    data: dict[str, Any] | None = cache.get(key)
    if data is None:
        union: dict[str, int] = {}
        per = selectors.aggregates(ids, period, union=union)
        total = selectors.combined(ids, period, parts=per, union=union)
        entities = selectors.entity_counts(ids, period, [ind.needs[0] for ind in COMPARED])
        rows = []
        for child in children:
            agg = per[child.pk]
            values = {ind.key: value_of(ind, agg) for ind in INDICATORS}
            rows.append(
                {
                    "name": child.name,
                    "code": str(child.region_id),
                    "values": values,
                    "below_k": below_k(entities[child.pk]),
                }
            )
        data = {
            "kpis": _kpis(total),
            "rows": rows,
            "series": _series_rows(selectors.series(ids, period, CHART_METRICS)),
            "bucket": selectors.bucket_of(period),
            "reports_by_category": [(dim, v) for dim, v, _c in total.breakdown(Metric.REPORTS_OPENED)],
            "gmv_by_category": [(dim, v) for dim, v, _c in total.breakdown(Metric.GMV)],
            "umkm_by_sector": [(dim, v) for dim, v, _c in total.breakdown(Metric.UMKM_ACTIVE)],
            "aid_by_program": [(dim, v) for dim, v, _c in total.breakdown(Metric.AID_DISTRIBUTED)],
            **_satisfaction(ids, period),
            **community.breakdowns(total),
            # The kota's own levies (its own facts, not its kelurahan's): issue 20.
            "levies": finance.levies(kota, children, period),
        }
        cache.set(key, data, CACHE_SECONDS)
    ind = BY_KEY[indicator]
    return {**data, "indicator": ind, "choropleth": choropleth(data["rows"], ind)}


PALETTE = ("#edf8e9", "#bae4b3", "#74c476", "#31a354", "#006d2c")
NO_DATA = "#cccccc"
# A cell of fewer than k entities gets its own colour: painting it by its value would let the
# map (or the legend's ranges) disclose what the table hides.
SUPPRESSED = "#c9d4e5"


@lru_cache(maxsize=1)
def _polygons() -> dict[str, dict[str, Any]]:
    with GEOJSON.open(encoding="utf-8") as fh:
        collection = json.load(fh)
    return {f["properties"]["kode"]: f for f in collection["features"]}


def _step(rank: float, ind: Indicator) -> int:
    step = min(int(rank * len(PALETTE)), len(PALETTE) - 1)
    return step if ind.higher_is_better else len(PALETTE) - 1 - step


def choropleth(rows: list[dict[str, Any]], ind: Indicator) -> dict[str, Any]:
    """GeoJSON of the kelurahan polygons with the indicator's value and a fill colour (quintiles
    of the rank among the kelurahan whose value may be shown), plus the map's legend."""
    visible = [r for r in rows if r["values"][ind.key] is not None and not shown(r, ind)]
    values = sorted(r["values"][ind.key] for r in visible)
    polygons = _polygons()
    features = []
    ranges: dict[int, list[float]] = {}
    for row in rows:
        value = row["values"][ind.key]
        hidden = shown(row, ind)
        if hidden:
            colour = SUPPRESSED
        elif value is None:
            colour = NO_DATA
        else:
            # Position among the kelurahan with data: 0 = lowest, 1 = highest (one alone: middle).
            rank = sum(1 for v in values if v < value) / (len(values) - 1) if len(values) > 1 else 0.5
            step = _step(rank, ind)
            colour = PALETTE[step]
            ranges.setdefault(step, []).append(value)
        shape = polygons.get(row["code"])
        if shape is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": shape["geometry"],
                "properties": {
                    "kode": row["code"],
                    "nama": row["name"],
                    "nilai": hidden or fmt(value, ind.unit),
                    "warna": colour,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "legend": legend(ranges, ind, rows)}


def legend(ranges: dict[int, list[float]], ind: Indicator, rows: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The classes the map actually uses, lowest value first: colour and value range (with unit)."""
    out = []
    for step, found in sorted(ranges.items(), key=lambda item: min(item[1])):
        low, high = min(found), max(found)
        text = fmt(low, ind.unit) if low == high else f"{fmt(low, ind.unit)} – {fmt(high, ind.unit)}"
        out.append({"colour": PALETTE[step], "text": text})
    if any(shown(r, ind) for r in rows):
        hidden = _("kurang dari %(k)s usaha atau warga (disembunyikan)") % {"k": K_ANONYMITY}
        out.append({"colour": SUPPRESSED, "text": hidden})
    if any(r["values"][ind.key] is None for r in rows):
        out.append({"colour": NO_DATA, "text": _("belum ada data")})
    return out
