"""Filters of the insights API's forecast list."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from apps.accounts.models import User
from apps.core.api.filters import IdFilter
from apps.insights import selectors
from apps.insights.models import DemandForecast, ForecastRun


class DemandForecastFilter(filters.FilterSet):
    # Declared first: it picks the run (the list is the latest run's), the others narrow it.
    run = IdFilter(method="of_run", label="ID perhitungan (bawaan: terbaru)")
    shop = IdFilter(field_name="shop__id", label="ID toko")

    def of_run(self, queryset: QuerySet[DemandForecast], name: str, value: int) -> QuerySet[DemandForecast]:
        run = ForecastRun.objects.filter(pk=value).first()
        if run is None:
            return queryset.none()
        return selectors.forecasts_for(cast(User, self.request.user), run)
