"""Tenant admin for staff: recipes are edited here (through the service); runs and forecasts
are read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from apps.core.errors import DomainError

from . import services
from .models import DemandForecast, ForecastRun, MaterialRecipe


@admin.register(MaterialRecipe)
class MaterialRecipeAdmin(admin.ModelAdmin[MaterialRecipe]):
    list_display = ("category", "material", "quantity_per_unit", "unit", "unit_price")
    list_filter = ("category",)
    list_select_related = ("category",)

    def save_model(self, request: HttpRequest, obj: MaterialRecipe, form: Any, change: bool) -> None:
        try:
            saved = services.set_recipe(
                obj.category,
                obj.material,
                quantity_per_unit=obj.quantity_per_unit,
                unit=obj.unit,
                unit_price=obj.unit_price,
            )
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return
        obj.pk = saved.pk


class ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ForecastRun)
class ForecastRunAdmin(ReadOnly):
    list_display = ("week", "status", "trigger", "series", "model_series", "history_weeks", "finished_at")


@admin.register(DemandForecast)
class DemandForecastAdmin(ReadOnly):
    list_display = ("run", "shop", "category", "week", "expected_units", "method")
    list_select_related = ("run", "shop", "category")  # the rows show names (__str__), joined once
    list_filter = ("method", "week")
