"""Insights API (/api/v1/insights/): read-only. A shop owner reads the forecasts of their own
shops; hub operators and staff read every shop's and the runs. Another tenant's ids never
resolve (one schema per host)."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request

from apps.accounts.models import User
from apps.insights import selectors
from apps.insights.models import DemandForecast, ForecastRun

from .filters import DemandForecastFilter
from .serializers import DemandForecastSerializer, ForecastRunSerializer


class IsPlanner(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return selectors.may_plan(cast(User, request.user))


@extend_schema_view(list=extend_schema(summary="Perkiraan permintaan per toko dan kategori (perhitungan terbaru)"))
class DemandForecastViewSet(viewsets.ReadOnlyModelViewSet[DemandForecast]):
    serializer_class = DemandForecastSerializer
    permission_classes = [IsAuthenticated]
    queryset = DemandForecast.objects.none()  # for the schema; get_queryset scopes by user
    filterset_class = DemandForecastFilter
    # A forecast of an earlier run is read with that run's ?run= (the list holds the latest run's).
    filterset_actions = ("list", "retrieve")

    def get_queryset(self) -> QuerySet[DemandForecast]:
        return selectors.forecasts_for(cast(User, self.request.user))


@extend_schema_view(list=extend_schema(summary="Riwayat perhitungan perkiraan (operator hub dan petugas)"))
class ForecastRunViewSet(viewsets.ReadOnlyModelViewSet[ForecastRun]):
    serializer_class = ForecastRunSerializer
    permission_classes = [IsAuthenticated, IsPlanner]
    queryset = ForecastRun.objects.order_by("-week")
