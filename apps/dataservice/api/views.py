"""Data-as-a-Service API (platform site, /api/v1/data/): the indicator catalogue, queries and
the caller's own usage. Authenticated by API key only; every request counts against the key's
quotas and is metered."""

from __future__ import annotations

import dataclasses
from typing import Any, NoReturn

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
from apps.dataservice import quota, selectors, services
from apps.dataservice.indicators import FAMILY_LABELS, INDICATORS, Indicator
from apps.dataservice.models import ApiKey

from .authentication import ApiKeyAuthentication
from .renderers import CSVRenderer
from .serializers import CatalogueSerializer, QueryResponseSerializer, UsageSerializer


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
    429: OpenApiResponse(ErrorSerializer, description="Kuota terlampaui (lihat header Retry-After)"),
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
        if isinstance(key, ApiKey) and final.status_code != 429:
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
    }


def _key(request: Request) -> ApiKey:
    assert isinstance(request.auth, ApiKey)  # HasApiKey
    return request.auth


class CatalogueView(DataApiView):
    @extend_schema(
        operation_id="data_indicators",
        summary="Katalog indikator",
        description="Indikator yang tersedia, cakupan (scope) yang dibutuhkan masing-masing, dan ambang k.",
        responses={200: CatalogueSerializer, **{s: r for s, r in ERRORS.items() if s != 400}},
    )
    def get(self, request: Request) -> Response:
        key = _key(request)
        results = [indicator_data(i, key) for i in INDICATORS]
        self.metered = (len(results), 0, 0)
        return Response({"k": services.k_threshold(), "region_prefixes": key.region_prefixes, "results": results})


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
            "Agregat anonim dari fakta harian semua tenant. Sel yang dihitung dari kurang dari k entitas "
            "disembunyikan (value null, suppressed true), juga sel pelengkap dalam satu tabel dan sel yang "
            "bersama sel yang sudah pernah dirilis ke mitra yang sama akan membuka data kurang dari k entitas."
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
        result = services.run_query(key, query)
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
                "k": result.k,
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
