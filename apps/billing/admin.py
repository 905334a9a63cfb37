"""Billing in the platform admin (public site only). Invoices are read-only here: issuing,
paying, voiding and revising go through the services (the operator pages or the actions)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError
from apps.tenancy.admin import platform_admin_site

from . import services
from .models import Invoice, InvoiceLine, PlanTerms, TenantStatusEvent


@admin.register(PlanTerms, site=platform_admin_site)
class PlanTermsAdmin(admin.ModelAdmin[PlanTerms]):
    list_display = ("plan", "monthly_fee", "fee_share_bps", "updated_at")

    def save_model(self, request: HttpRequest, obj: PlanTerms, form: Any, change: bool) -> None:
        try:
            saved = services.set_plan_terms(obj.plan, monthly_fee=obj.monthly_fee, fee_share_bps=obj.fee_share_bps)
        except DomainError as exc:
            messages.error(request, str(exc.message))
            return
        obj.pk = saved.pk

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class InvoiceLineInline(admin.TabularInline[InvoiceLine, Invoice]):
    model = InvoiceLine
    extra = 0
    can_delete = False
    fields = ("kind", "description", "amount")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Invoice, site=platform_admin_site)
class InvoiceAdmin(admin.ModelAdmin[Invoice]):
    list_display = ("number", "tenant_name", "plan", "period", "status", "total", "due_date")
    list_filter = ("status", "plan", "period")
    search_fields = ("number", "tenant_name", "region_code")
    inlines = [InvoiceLineInline]
    actions = ["mark_paid"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [f.name for f in Invoice._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Tandai lunas"))
    def mark_paid(self, request: HttpRequest, queryset: QuerySet[Invoice]) -> None:
        done = 0
        for invoice in queryset:
            try:
                services.mark_paid(invoice, actor=request.user)  # type: ignore[arg-type]
                done += 1
            except DomainError as exc:
                messages.error(request, f"{invoice.number}: {exc.message}")
        messages.success(request, _("%(n)d tagihan dicatat lunas.") % {"n": done})


@admin.register(TenantStatusEvent, site=platform_admin_site)
class TenantStatusEventAdmin(admin.ModelAdmin[TenantStatusEvent]):
    list_display = ("tenant", "status", "at")
    list_filter = ("status",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
