from __future__ import annotations

from rest_framework import serializers

from apps.insights.models import DemandForecast, ForecastRun


class ForecastRunSerializer(serializers.ModelSerializer[ForecastRun]):
    uses_fallback = serializers.BooleanField(read_only=True)

    class Meta:
        model = ForecastRun
        fields = [
            "id",
            "week",
            "status",
            "trigger",
            "horizon",
            "history_weeks",
            "series",
            "model_series",
            "uses_fallback",
            "notes",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields


class DemandForecastSerializer(serializers.ModelSerializer[DemandForecast]):
    shop_slug = serializers.CharField(source="shop.slug", read_only=True)
    category_slug = serializers.CharField(source="category.slug", read_only=True, allow_null=True, default=None)

    class Meta:
        model = DemandForecast
        fields = [
            "id",
            "run",
            "shop",
            "shop_slug",
            "category",
            "category_slug",
            "week",
            "horizon",
            "expected_units",
            "method",
            "history_weeks",
        ]
        read_only_fields = fields
