"""Django admin: invoices read only (superusers and staff see them for support); every change
goes through the services (pages and API), which lock the row and write the event."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import timeline_field

from .models import Invoice, InvoiceEvent, InvoiceLine


class InvoiceLineInline(admin.TabularInline[InvoiceLine, Invoice]):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ["position", "description", "quantity", "unit", "unit_price", "amount"]
    readonly_fields = ["position", "description", "quantity", "unit", "unit_price", "amount"]

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice)
class InvoiceAdmin(admin.ModelAdmin[Invoice]):
    list_display = ["number", "shop", "buyer_name", "total", "amount_paid", "status", "due_date"]
    list_filter = ["status", "source", "disputed"]
    search_fields = ["number", "buyer_name", "shop__name"]
    inlines = [InvoiceLineInline]
    timeline = timeline_field()

    def get_readonly_fields(self, request: HttpRequest, obj: Invoice | None = None) -> list[str]:
        return [*(field.name for field in Invoice._meta.fields), "timeline"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(InvoiceEvent)
class InvoiceEventAdmin(admin.ModelAdmin[InvoiceEvent]):
    list_display = ["invoice_id", "action", "from_status", "to_status", "amount", "created_at"]
    list_filter = ["action"]
