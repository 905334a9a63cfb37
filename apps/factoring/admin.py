"""Django admin: lender factoring products are set up here by staff (terms agreed with the
lender); financings are read only (every change goes through the services)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import FactoringProduct, Financing


@admin.register(FactoringProduct)
class FactoringProductAdmin(admin.ModelAdmin[FactoringProduct]):
    list_display = ["name", "lender", "advance_percent", "fee_basis", "fee_bp", "is_active"]
    list_filter = ["is_active", "fee_basis"]


@admin.register(Financing)
class FinancingAdmin(admin.ModelAdmin[Financing]):
    list_display = ["invoice", "product", "buyer_name", "advance", "repaid", "recourse", "status"]
    list_filter = ["status"]

    def get_readonly_fields(self, request: HttpRequest, obj: Financing | None = None) -> list[str]:
        return [field.name for field in Financing._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Financing | None = None) -> bool:
        return False
