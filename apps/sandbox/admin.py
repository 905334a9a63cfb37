"""The sandboxes in the tenant admin: read-only technical records (config/admin_site.TECHNICAL),
only the current tenant's rows (the models' default manager narrows to the current schema, so
the tenant admin never lists another tenant's rows although its search_path includes public)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from .models import SandboxDelivery, SandboxNib, SandboxTransaction


class SandboxAdmin(admin.ModelAdmin[Any]):
    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        # `objects` explicitly (not whatever _default_manager is): the current schema's rows
        return self.model.objects.all()

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(SandboxTransaction)
class SandboxTransactionAdmin(SandboxAdmin):
    list_display = ["order_id", "gross_amount", "status", "refunded_amount", "created_at"]
    list_filter = ["status"]


@admin.register(SandboxNib)
class SandboxNibAdmin(SandboxAdmin):
    list_display = ["nib", "business_name", "kbli_codes", "status", "issued_on"]
    search_fields = ["nib", "business_name"]
    exclude = ["nik_digest"]


@admin.register(SandboxDelivery)
class SandboxDeliveryAdmin(SandboxAdmin):
    list_display = ["created_at", "channel", "address", "title"]
    list_filter = ["channel"]
