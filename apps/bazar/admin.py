"""Read-only views for staff: bazars, stalls and vouchers change only through the services
(the API and pages), so promotions, stall numbers and voucher money stay consistent."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import BazarEvent, Stall, Voucher


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(BazarEvent)
class BazarEventAdmin(_ReadOnly):
    list_display = ["name", "starts_at", "ends_at", "place_name", "is_published"]
    search_fields = ["name"]


@admin.register(Stall)
class StallAdmin(_ReadOnly):
    list_display = ["event", "number", "shop", "discount", "discount_value"]
    list_select_related = ["event", "shop"]


@admin.register(Voucher)
class VoucherAdmin(_ReadOnly):
    list_display = ["code", "holder", "value", "remaining", "expires_on", "status"]
    list_select_related = ["holder"]
    list_filter = ["status"]
    search_fields = ["code"]
