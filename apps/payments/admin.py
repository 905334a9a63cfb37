"""Staff views of KotaKitaPay. The ledger is read-only here: money moves only through the
services (a correction is the "reverse" action, superusers only)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from apps.core.errors import DomainError

from . import services
from .models import (
    Account,
    GatewayCharge,
    GatewayNotification,
    JournalEntry,
    PaymentRequest,
    Posting,
    ReconciliationMismatch,
    ReconciliationRun,
)
from .reconciliation import reconcile


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin[Account]):
    list_display = ["name", "kind", "owner", "balance", "is_active", "created_at"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "owner__username", "owner__full_name", "nmid"]
    fields = ["name", "is_active", "public_id", "code", "kind", "owner", "balance", "allow_negative", "nmid", "mcc"]
    readonly_fields = ["public_id", "code", "kind", "owner", "balance", "allow_negative", "nmid", "mcc"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # opened by the services (wallet on first use, merchant by its owner)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PostingInline(admin.TabularInline[Posting, JournalEntry]):
    model = Posting
    fields = ["account", "amount", "balance_after"]
    readonly_fields = ["account", "amount", "balance_after"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(JournalEntry)
class JournalEntryAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "kind", "amount", "fee", "description", "reference", "reverses"]
    list_filter = ["kind"]
    search_fields = ["public_id", "reference", "description", "idempotency_key"]
    date_hierarchy = "created_at"
    inlines = [PostingInline]
    actions = ["reverse"]

    def has_reverse_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    @admin.action(description=_("Buat jurnal balik (koreksi) untuk jurnal terpilih"), permissions=["reverse"])
    def reverse(self, request: HttpRequest, queryset: QuerySet[JournalEntry]) -> None:
        for entry in queryset:
            try:
                services.reverse_entry(
                    entry,
                    idempotency_key=f"admin:reverse:{entry.public_id}",
                    reason=str(_("koreksi oleh admin")),
                    actor=request.user,  # type: ignore[arg-type]
                )
            except DomainError as exc:
                self.message_user(request, f"{entry}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, _("%(entry)s dibalik.") % {"entry": entry})


@admin.register(PaymentRequest)
class PaymentRequestAdmin(ReadOnlyAdmin):
    list_display = ["bill_number", "merchant", "amount", "status", "paid_method", "refunded_amount", "created_at"]
    list_filter = ["status", "paid_method"]
    search_fields = ["bill_number", "reference", "description", "merchant__name"]


@admin.register(GatewayCharge)
class GatewayChargeAdmin(ReadOnlyAdmin):
    list_display = ["order_id", "purpose", "gross_amount", "status", "gateway", "needs_attention", "created_at"]
    list_filter = ["status", "purpose", "gateway"]
    search_fields = ["order_id", "transaction_id"]
    actions = ["check_status"]

    @admin.action(description=_("Cek status ke gateway dan terapkan"), permissions=["view"])
    def check_status(self, request: HttpRequest, queryset: QuerySet[GatewayCharge]) -> None:
        for charge in queryset:
            try:
                log = services.sync_charge_status(charge)
            except DomainError as exc:
                self.message_user(request, f"{charge.order_id}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, f"{charge.order_id}: {log.transaction_status} ({log.outcome})")


@admin.register(GatewayNotification)
class GatewayNotificationAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "order_id", "transaction_status", "outcome", "signature_valid", "reason"]
    list_filter = ["outcome", "signature_valid", "transaction_status"]
    search_fields = ["order_id", "reason"]
    date_hierarchy = "received_at"


class MismatchInline(admin.TabularInline[ReconciliationMismatch, ReconciliationRun]):
    model = ReconciliationMismatch
    fields = ["kind", "reference", "expected", "actual", "detail"]
    readonly_fields = ["kind", "reference", "expected", "actual", "detail"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ReconciliationRun)
class ReconciliationRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "status", "mismatch_count", "entries_checked", "charges_checked", "triggered_by"]
    list_filter = ["status"]
    inlines = [MismatchInline]
    change_list_template = "admin/payments/reconciliationrun/change_list.html"

    def get_urls(self) -> list[Any]:
        return [
            path("run/", self.admin_site.admin_view(self.run_view), name="payments_reconciliationrun_run"),
            *super().get_urls(),
        ]

    def run_view(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or not request.user.is_staff:
            return HttpResponseRedirect(reverse("admin:payments_reconciliationrun_changelist"))
        run = reconcile(triggered_by=f"admin:{request.user}")
        level = messages.ERROR if run.mismatch_count else messages.SUCCESS
        self.message_user(
            request, _("Rekonsiliasi #%(id)s: %(n)d selisih.") % {"id": run.pk, "n": run.mismatch_count}, level
        )
        return HttpResponseRedirect(reverse("admin:payments_reconciliationrun_change", args=[run.pk]))
