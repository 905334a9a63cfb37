"""The dashboards at /dasbor/: a kelurahan sees its own figures, a kota compares its kelurahan.

Both read only the pre-aggregated daily facts (cached); the one exception is the lurah's map
of laporan warga, which shows the kelurahan's own reports (points, category and status).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from apps.accounts.roles import Role
from apps.core.errors import DomainError
from apps.core.money import rupiah, thousands
from apps.facts.labels import humanize_slug, kbli_sector
from apps.facts.metrics import Metric
from apps.reports.models import Report
from apps.tenancy.models import Tenant

from . import charts, dashboards, exports
from .indicator import Indicator
from .selectors import Period

DASHBOARD_ROLES = (Role.LURAH, Role.ADMIN, Role.STAF_OPD)
MAX_MAP_POINTS = 2000


def _allowed(request: HttpRequest) -> HttpResponse | None:
    """None when the user may see the dashboard; a login redirect for visitors; else 403."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if request.user.is_superuser or request.user.groups.filter(name__in=[str(r) for r in DASHBOARD_ROLES]).exists():
        return None
    raise PermissionDenied(_("Dasbor hanya untuk lurah, admin kelurahan/kota dan staf OPD."))


def _tenant(request: HttpRequest) -> Tenant:
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    return tenant


def _data(request: HttpRequest, period: Period) -> dict[str, Any]:
    tenant = _tenant(request)
    if tenant.tenant_type == Tenant.Type.KOTA:
        indicator = request.GET.get("indikator") or dashboards.MAP_INDICATORS[0]
        return dashboards.kota_data(tenant, period, indicator)
    return dashboards.lurah_data(tenant, period)


def _named(rows: list[tuple[str, int]], name: Any = humanize_slug) -> list[tuple[str, int]]:
    """Dimension codes as names: "jalan-rusak" -> "Jalan rusak", KBLI "56" -> code + title."""
    return [(name(dim), value) for dim, value in rows]


def _charts(data: dict[str, Any]) -> dict[str, Any]:
    series = data["series"]
    return {
        "gmv": charts.line_chart(series[Metric.GMV], _("Nilai penjualan (Rp)")),
        "umkm": charts.line_chart(series[Metric.UMKM_ACTIVE], _("UMKM aktif"), colour="#2e7d32"),
        "reports": charts.line_chart(series[Metric.REPORTS_OPENED], _("Laporan warga masuk"), colour="#e65100"),
        "residents": charts.line_chart(series[Metric.ACTIVE_RESIDENTS], _("Warga aktif per hari"), colour="#6a1b9a"),
        "reports_by_category": charts.bar_chart(
            _named(data["reports_by_category"]), _("Laporan per kategori"), "#e65100"
        ),
        "gmv_by_category": charts.bar_chart(
            _named(data["gmv_by_category"]), _("Nilai penjualan per kategori"), "#1565c0"
        ),
        "umkm_by_sector": charts.bar_chart(
            _named(data["umkm_by_sector"], kbli_sector), _("UMKM per jenis usaha (KBLI)"), "#2e7d32"
        ),
        "aid_by_program": charts.bar_chart(_named(data["aid_by_program"]), _("Bansos per program"), "#6a1b9a"),
    }


def _groups(kpis: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for kpi in kpis:
        out.setdefault(kpi["group"], []).append(kpi)
    return list(out.items())


def _community_tables(data: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]], str]]:
    """The sembako and GoTukang breakdowns as (title, rows with formatted values, test id)."""
    return [
        (_("Pesanan sembako per cara bayar"), [(n, rupiah(v)) for n, v in data["sembako_by_payment"]], "sembako-pay"),
        (
            _("Pekerjaan tukang diminta per keahlian"),
            [(n, thousands(v)) for n, v in data["tukang_by_skill"]],
            "tukang-skill",
        ),
        (
            _("Pekerjaan tukang selesai per keahlian"),
            [(n, thousands(v)) for n, v in data["tukang_done_by_skill"]],
            "tukang-done",
        ),
        (
            _("Pekerjaan tukang diminta per saluran"),
            [(n, thousands(v)) for n, v in data["tukang_by_channel"]],
            "tukang-channel",
        ),
    ]


@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    denied = _allowed(request)
    if denied is not None:
        return denied
    tenant = _tenant(request)
    context: dict[str, Any] = {"presets": [(k, str(v[0])) for k, v in dashboards.PRESETS.items()], "query": ""}
    try:
        period, preset = dashboards.parse_period(request.GET)
        data = _data(request, period)
    except DomainError as exc:
        context["error"] = exc.message
        return render(request, "analytics/dashboard.html", context, status=exc.status_code)
    query = request.GET.copy()
    context.update(
        period=period,
        preset=preset,
        data=data,
        groups=_groups(data["kpis"]),
        charts=_charts(data),
        is_kota=tenant.tenant_type == Tenant.Type.KOTA,
        query=query.urlencode(),
        k_anonymity=dashboards.K_ANONYMITY,
        community_tables=_community_tables(data),
    )
    if context["is_kota"]:
        context.update(_comparison(request, data))
    return render(request, "analytics/dashboard.html", context)


# The comparison table's column sets: a short default a phone can read, each group, or all 22.
SHORT_COLUMNS = ("umkm_active", "gmv", "reports_opened", "resolve_hours", "participation", "par")


def _column_sets() -> dict[str, tuple[str, list[Indicator]]]:
    sets: dict[str, tuple[str, list[Indicator]]] = {
        "ringkas": (_("Ringkas"), [dashboards.BY_KEY[k] for k in SHORT_COLUMNS])
    }
    for ind in dashboards.COMPARED:
        key = slugify(str(ind.group))
        sets.setdefault(key, (str(ind.group), []))[1].append(ind)
    sets["semua"] = (_("Semua kolom"), list(dashboards.COMPARED))
    return sets


def _comparison(request: HttpRequest, data: dict[str, Any]) -> dict[str, Any]:
    sets = _column_sets()
    column = request.GET.get("kolom") or "ringkas"
    if column not in sets:
        column = "ringkas"  # an unknown choice (old link) shows the default, not an error
    shown_indicators = sets[column][1]
    groups: list[list[Any]] = []
    for ind in shown_indicators:
        if groups and groups[-1][0] == str(ind.group):
            groups[-1][1] += 1
        else:
            groups.append([str(ind.group), 1])
    return {
        "indicators": [(k, str(dashboards.BY_KEY[k].label)) for k in dashboards.MAP_INDICATORS],
        "column": column,
        "column_choices": [(key, label) for key, (label, _inds) in sets.items()],
        "table_groups": groups,
        "table_indicators": shown_indicators,
        "k_anonymity": dashboards.K_ANONYMITY,
        "table_rows": [
            {
                "name": r["name"],
                "code": r["code"],
                "cells": [
                    {
                        "text": dashboards.shown(r, ind) or dashboards.fmt(r["values"][ind.key], ind.unit),
                        "suppressed": bool(dashboards.shown(r, ind)),
                    }
                    for ind in shown_indicators
                ],
            }
            for r in data["rows"]
        ],
    }


EXPORTS = {
    "csv": ("text/csv; charset=utf-8", exports.to_csv),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", exports.to_xlsx),
    "pdf": ("application/pdf", exports.to_pdf),
}


@require_GET
def export(request: HttpRequest, fmt: str) -> HttpResponse:
    denied = _allowed(request)
    if denied is not None:
        return denied
    if fmt not in EXPORTS:
        raise Http404
    tenant = _tenant(request)
    try:
        period, _preset = dashboards.parse_period(request.GET)
        data = _data(request, period)
    except DomainError as exc:
        return HttpResponse(str(exc.message), status=exc.status_code, content_type="text/plain; charset=utf-8")
    content_type, render_file = EXPORTS[fmt]
    body = render_file(tenant.name, period, data)
    response = HttpResponse(body, content_type=content_type)
    name = f"dasbor-{tenant.slug}-{period.start.isoformat()}-{period.end.isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
def report_points(request: HttpRequest) -> JsonResponse:
    """The kelurahan's own laporan warga of the period as GeoJSON points (category, status)."""
    denied = _allowed(request)
    if denied is not None:
        return JsonResponse({"error": {"code": "login_required", "message": _("Silakan masuk.")}}, status=401)
    if _tenant(request).tenant_type != Tenant.Type.KELURAHAN:
        raise Http404
    try:
        period, _preset = dashboards.parse_period(request.GET)
    except DomainError as exc:
        return JsonResponse({"error": {"code": exc.code, "message": str(exc.message)}}, status=exc.status_code)
    start, end = period.start, period.end
    labels = dict(Report.Status.choices)
    rows = (
        Report.objects.filter(
            created_at__date__gte=start, created_at__date__lte=end, lat__isnull=False, lng__isnull=False
        )
        .exclude(status=Report.Status.DUPLICATE)
        .values_list("lat", "lng", "category__name", "status")
        .order_by("-created_at")[:MAX_MAP_POINTS]
    )
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [float(lng or 0), float(lat or 0)]},
            "properties": {
                "category": category,
                "status": status,
                "status_label": str(labels.get(status, status)),
                "open": status in Report.ACTIVE,
            },
        }
        for lat, lng, category, status in rows
    ]
    return JsonResponse({"type": "FeatureCollection", "features": features})
