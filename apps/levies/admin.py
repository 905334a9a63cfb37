"""Admin of the kota's levy catalogue (edited here) and bill register (read here; bills are
issued, paid and cancelled through /retribusi/ and the services, never edited by hand)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from . import access
from .models import Levy, LevyBill


class KotaOnly:
    """The tables exist in kota schemas only: a kelurahan's admin does not show them."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return access.is_kota(getattr(request, "tenant", None)) and bool(
            super().has_module_permission(request)  # type: ignore[misc]
        )


@admin.register(Levy)
class LevyAdmin(KotaOnly, admin.ModelAdmin[Levy]):
    list_display = ["code", "name", "kind", "tariff", "period", "perda", "fine_rate_bps", "is_active"]
    list_filter = ["kind", "period", "is_active"]
    search_fields = ["code", "name", "perda"]


@admin.register(LevyBill)
class LevyBillAdmin(KotaOnly, admin.ModelAdmin[LevyBill]):
    list_display = ["number", "payer_name", "principal", "fine", "due_on", "status", "paid_at", "channel"]
    list_filter = ["status", "levy"]
    search_fields = ["number", "payer_name", "payer_account"]
    date_hierarchy = "due_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
