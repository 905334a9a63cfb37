"""Data-as-a-Service API (platform site, /api/v1/data/): the indicator catalogue, queries and
the caller's own usage. Authenticated by API key only; every request counts against the key's
quotas and is metered."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, NoReturn

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions
from rest_framework.permissions import BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from apps.core.api.schema import ErrorSerializer
from apps.core.errors import DomainError
from apps.dataservice import budget, dp, quota, release, selectors, services
from apps.dataservice.indicators import FAMILY_LABELS, INDICATORS, Family, Indicator
from apps.dataservice.models import ApiKey, BudgetSpend
from apps.tenancy.api.permissions import IsFranchiseOperator

from .authentication import ApiKeyAuthentication
from .renderers import CSVRenderer
from .serializers import BudgetSerializer, CatalogueSerializer, QueryResponseSerializer, UsageSerializer


class HasApiKey(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.auth, ApiKey)


class ApiKeyQuota(BaseThrottle):
    """The key's per-minute and per-day quotas (apps.dataservice.quota)."""

    def __init__(self) -> None:
        self.decision = quota.QuotaDecision(True)

    def allow_request(self, request: Request, view: Any) -> bool:
        if not isinstance(request.auth, ApiKey):
            return True
        self.decision = quota.consume(request.auth)
        if not self.decision.allowed:
            services.record_usage(request.auth, throttled=1)
            view.quota_period = self.decision.period
        return self.decision.allowed

    def wait(self) -> float | None:
        return float(self.decision.retry_after) if not self.decision.allowed else None


ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Parameter tidak valid"),
    401: OpenApiResponse(ErrorSerializer, description="Kunci API tidak ada, tidak valid, dicabut atau kedaluwarsa"),
    403: OpenApiResponse(ErrorSerializer, description="Di luar cakupan atau wilayah kunci"),
    429: OpenApiResponse(
        ErrorSerializer,
        description="Kuota kunci terlampaui (lihat header Retry-After) atau anggaran privasi habis "
        "(privacy_budget_exhausted)",
    ),
}


class DataApiView(APIView):
    authentication_classes = [ApiKeyAuthentication]
    permission_classes = [HasApiKey]
    throttle_classes = [ApiKeyQuota]
    renderer_classes = [JSONRenderer, CSVRenderer]
    quota_period = ""
    metered: tuple[int, int, int] = (0, 0, 0)  # rows, released cells, suppressed cells

    def throttled(self, request: Request, wait: float | None) -> NoReturn:
        if self.quota_period == "day":
            message = _("Kuota harian kunci API terlampaui; coba lagi dalam %(seconds)s detik.")
        else:
            message = _("Kuota per menit kunci API terlampaui; coba lagi dalam %(seconds)s detik.")
        raise exceptions.Throttled(wait=wait, detail=message % {"seconds": int(wait or 0)})

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Response:
        if response.status_code >= 400:
            # Errors are always JSON in the one project format, even when CSV was asked for.
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        final = super().finalize_response(request, response, *args, **kwargs)
        try:
            key = request.auth
        except exceptions.APIException:
            # An unknown `format` is refused (404) before authentication runs; reading
            # request.auth then authenticates a bad key here, outside the exception handler.
            # The answer already given stands, and nothing is metered against no key.
            key = None
        # A quota refusal is metered as `throttled` (ApiKeyQuota); a privacy-budget 429 is a request.
        if isinstance(key, ApiKey) and not self.quota_period:
            rows, cells, suppressed = self.metered
            services.record_usage(key, requests=1, rows=rows, cells=cells, suppressed=suppressed)
        return final


def indicator_data(indicator: Indicator, key: ApiKey) -> dict[str, Any]:
    return {
        "code": indicator.code,
        "family": indicator.family.value,
        "family_label": str(FAMILY_LABELS[indicator.family]),
        "label": str(indicator.label),
        "unit": str(indicator.unit),
        "dimension": str(indicator.dimension_label) if indicator.dimension_label is not None else None,
        "allowed": indicator.family.value in key.scopes,
        "contribution_bounds": [
            {"metric": p.metric, "field": p.field, "day": p.bound.day, "week": p.bound.week, "month": p.bound.month}
            for p in indicator.parts
        ],
    }


def budget_policy() -> list[dict[str, Any]]:
    return [
        {
            "family": policy.family,
            "epsilon_per_release": policy.epsilon_per_release,
            "epsilon_per_period": policy.epsilon_per_period,
        }
        for policy in budget.policies()
    ]


PRIVACY_NOTE = (
    "Setiap nilai diberi derau Laplace (OpenDP) sesudah kontribusi tiap entitas dibatasi; anggaran epsilon "
    "per keluarga indikator, bulan dan kecamatan dipakai bersama oleh semua mitra; nilai yang sama dijawab "
    "sama untuk siapa pun. error_95: setengah lebar selang 95% di sekitar nilai."
)


def _key(request: Request) -> ApiKey:
    assert isinstance(request.auth, ApiKey)  # HasApiKey
    return request.auth


class CatalogueView(DataApiView):
    @extend_schema(
        operation_id="data_indicators",
        summary="Katalog indikator",
        description="Indikator yang tersedia, cakupan (scope) yang dibutuhkan, batas kontribusi per entitas "
        "dan kebijakan anggaran privasi.",
        responses={200: CatalogueSerializer, **{s: r for s, r in ERRORS.items() if s != 400}},
    )
    def get(self, request: Request) -> Response:
        key = _key(request)
        results = [indicator_data(i, key) for i in INDICATORS]
        self.metered = (len(results), 0, 0)
        return Response(
            {
                "privacy": {
                    "mechanism": f"{dp.MECHANISM} ({dp.LIBRARY})",
                    "note": PRIVACY_NOTE,
                    "budgets": budget_policy(),
                },
                "region_prefixes": key.region_prefixes,
                "results": results,
            }
        )


QUERY_PARAMETERS = [
    OpenApiParameter("indicator", str, required=True, description="Kode indikator dari katalog, mis. `gmv`"),
    OpenApiParameter(
        "region",
        str,
        required=True,
        description="Kode wilayah Kemendagri tingkat apa pun: 35 (provinsi), 35.77 (kota), 35.77.03 (kecamatan), "
        "35.77.03.1001 (kelurahan)",
    ),
    OpenApiParameter("from", OpenApiTypes.DATE, description="Tanggal awal (YYYY-MM-DD); bawaan: 30 hari terakhir"),
    OpenApiParameter("to", OpenApiTypes.DATE, description="Tanggal akhir (YYYY-MM-DD); bawaan: hari ini"),
    OpenApiParameter(
        "granularity",
        str,
        enum=list(selectors.GRANULARITIES),
        description="Periode: day, week (Senin-Minggu) atau month; periode diselaraskan penuh. Bawaan: month",
    ),
    OpenApiParameter(
        "breakdown",
        str,
        enum=list(selectors.BREAKDOWNS),
        description="none, region (wilayah satu tingkat di bawah) atau dimension (sektor KBLI, kategori, hub...)",
    ),
    OpenApiParameter("format", str, enum=["json", "csv"], description="Format jawaban (atau header Accept: text/csv)"),
]


class QueryView(DataApiView):
    @extend_schema(
        operation_id="data_query",
        summary="Nilai indikator per wilayah dan periode",
        description=(
            "Agregat dari fakta harian semua tenant dengan privasi diferensial: setiap nilai berderau "
            "(mekanisme, epsilon dan batas galat 95% disebut per nilai). Nilai yang sudah pernah dirilis "
            "dijawab sama tanpa biaya; periode yang belum selesai ditahan (period_open); anggaran habis: 429 "
            "privacy_budget_exhausted."
        ),
        parameters=QUERY_PARAMETERS,
        responses={
            (200, "application/json"): QueryResponseSerializer,
            (200, "text/csv"): OpenApiTypes.STR,
            **ERRORS,
        },
    )
    def get(self, request: Request) -> Response:
        key = _key(request)
        query = selectors.parse_query(request.query_params)
        result = release.run_query(key, query)
        rows = [dataclasses.asdict(r) for r in result.rows]
        self.metered = (len(rows), result.released_cells, result.suppressed_cells)
        names = selectors.region_names([query.region])
        return Response(
            {
                "indicator": indicator_data(query.indicator, key),
                "region": {"code": query.region, "name": names.get(query.region, "")},
                "date_from": query.start,
                "date_to": query.end,
                "granularity": query.granularity,
                "breakdown": query.breakdown,
                "privacy": {
                    "mechanism": f"{dp.MECHANISM} ({dp.LIBRARY})",
                    "epsilon_spent": result.epsilon_spent,
                    "epsilon_per_release": result.policy.epsilon_per_release,
                    "epsilon_per_period": result.policy.epsilon_per_period,
                    "confidence": 0.95,
                    "note": PRIVACY_NOTE,
                },
                "suppressed_cells": result.suppressed_cells,
                "results": rows,
            }
        )


class UsageView(DataApiView):
    @extend_schema(
        operation_id="data_usage",
        summary="Pemakaian kunci ini per hari",
        description="Permintaan, baris dan sel yang dilayani per hari (31 hari terakhir) serta kuota kunci.",
        responses={200: UsageSerializer, **{s: r for s, r in ERRORS.items() if s != 400}},
    )
    def get(self, request: Request) -> Response:
        key = _key(request)
        days = selectors.usage_of(key)
        results = [
            {
                "day": u.day,
                "requests": u.requests,
                "rows": u.rows,
                "cells": u.cells,
                "suppressed_cells": u.suppressed_cells,
                "throttled": u.throttled,
            }
            for u in days
        ]
        self.metered = (len(results), 0, 0)
        return Response(
            {"key_prefix": key.prefix, "per_minute": key.per_minute, "per_day": key.per_day, "results": results}
        )


MAX_BUDGET_ROWS = 1000


class BudgetView(APIView):
    """Operators (platform staff, token or session): the privacy budget per family and what has
    been spent per month and budget region."""

    permission_classes = [IsFranchiseOperator]

    @extend_schema(
        operation_id="data_privacy_budget",
        summary="Anggaran privasi dan pemakaiannya (operator)",
        description="Kebijakan epsilon per keluarga indikator dan epsilon terpakai per bulan dan wilayah anggaran. "
        "Filter: family, period (YYYY-MM), region (awalan kode).",
        parameters=[
            OpenApiParameter("family", str, enum=[f.value for f in Family]),
            OpenApiParameter("period", str, description="Bulan data, YYYY-MM"),
            OpenApiParameter("region", str, description="Awalan kode wilayah, mis. 35.77"),
        ],
        responses={200: BudgetSerializer, 400: ERRORS[400]},
    )
    def get(self, request: Request) -> Response:
        rows = BudgetSpend.objects.all()
        family = (request.query_params.get("family") or "").strip()
        if family:
            if family not in {f.value for f in Family}:
                raise DomainError(_("Keluarga indikator tidak dikenal."), code="unknown_family", field="family")
            rows = rows.filter(family=family)
        period = (request.query_params.get("period") or "").strip()
        if period:
            try:
                month = datetime.date.fromisoformat(period + "-01")
            except ValueError:
                raise DomainError(_("Bulan harus berformat YYYY-MM."), code="invalid_period", field="period") from None
            rows = rows.filter(period=month)
        region = (request.query_params.get("region") or "").strip()
        if region:
            code = selectors.normalize_region(region)
            rows = rows.filter(Q(region_code=code) | Q(region_code__startswith=code + "."))
        policies = budget_policy()
        limits = {p["family"]: p["epsilon_per_period"] for p in policies}
        spent = [
            {
                "family": r.family,
                "region_code": r.region_code,
                "period": r.period.strftime("%Y-%m"),
                "spent": round(r.spent, 6),
                "remaining": round(max(limits[r.family] - r.spent, 0.0), 6),
                "releases": r.releases,
            }
            for r in rows.order_by("-period", "family", "region_code")[:MAX_BUDGET_ROWS]
        ]
        return Response({"budgets": policies, "results": spent})
