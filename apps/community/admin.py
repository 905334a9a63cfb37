"""Staff views of community finance. Money rows are read-only here: they change only through
the services (the ledger behind them is immutable); staff name treasurers with the action."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from apps.core.admin import ReadOnlyAdmin
from apps.core.money import rupiah

from . import selectors, services
from .models import (
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    IuranExemption,
    IuranPayment,
    IuranSchedule,
    Treasurer,
)


@admin.register(CashBook)
class CashBookAdmin(ReadOnlyAdmin):
    list_display = ["rt", "treasurer", "digital", "cash", "created_at"]
    search_fields = ["rt__number", "rt__rw__number"]
    readonly_fields = ["rt", "digital_account", "cash_account", "clearing_account", "created_at"]
    actions = ["sync_qris"]

    @admin.display(description=_("bendahara"))
    def treasurer(self, obj: CashBook) -> str:
        current = selectors.current_treasurer(obj.rt)
        return str(current.user) if current else "—"

    @admin.display(description=_("saldo KotaKitaPay"))
    def digital(self, obj: CashBook) -> str:
        return rupiah(obj.digital_account.balance)

    @admin.display(description=_("kas tunai"))
    def cash(self, obj: CashBook) -> str:
        return rupiah(obj.cash_account.balance)

    @admin.action(description=_("Terapkan status QRIS yang tertunda"))
    def sync_qris(self, request: HttpRequest, queryset: QuerySet[CashBook]) -> None:
        changed = sum(services.sync_pending_qris(book=book) for book in queryset)
        self.message_user(request, _("%(n)s pembayaran diperbarui.") % {"n": changed})


@admin.register(Treasurer)
class TreasurerAdmin(ReadOnlyAdmin):
    """History of RT treasurers. Naming one goes through the service (the previous one steps
    down, the cash book opens, the new treasurer is notified): /kas/rt/<id>/bendahara/."""

    list_display = ["rt", "user", "assigned_by", "started_at", "ended_at"]
    list_filter = ["ended_at"]


@admin.register(CashBookEntry)
class CashBookEntryAdmin(ReadOnlyAdmin):
    list_display = [
        "occurred_on",
        "cash_book",
        "direction",
        "category",
        "channel",
        "amount",
        "description",
        "voided_at",
    ]
    list_filter = ["direction", "category", "channel", "cash_book"]
    search_fields = ["description", "member__username", "member__full_name"]
    date_hierarchy = "occurred_on"


@admin.register(IuranSchedule)
class IuranScheduleAdmin(ReadOnlyAdmin):
    list_display = ["cash_book", "start_month", "amount", "created_by"]


@admin.register(IuranExemption)
class IuranExemptionAdmin(ReadOnlyAdmin):
    list_display = ["cash_book", "member", "from_month", "until_month", "reason"]


@admin.register(IuranPayment)
class IuranPaymentAdmin(ReadOnlyAdmin):
    list_display = ["member", "month", "cash_book", "amount", "method", "status", "paid_at"]
    list_filter = ["status", "method", "cash_book"]
    search_fields = ["member__username", "member__full_name"]


GROUP_FIELDS = [
    "name",
    "rt",
    "organiser",
    "contribution",
    "period",
    "draw_method",
    "start_date",
    "status",
    "seed_commitment",
    "revealed_seed",
    "committed_at",
    "drawn_at",
    "pool_account",
]


class MemberInline(admin.TabularInline[ArisanMember, ArisanGroup]):
    model = ArisanMember
    fields = ["user", "position", "joined_at"]
    readonly_fields = ["user", "position", "joined_at"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ArisanGroup)
class ArisanGroupAdmin(ReadOnlyAdmin):
    list_display = ["name", "rt", "organiser", "contribution", "period", "draw_method", "status"]
    list_filter = ["status", "draw_method", "period"]
    search_fields = ["name"]
    # The seed stays out of admin until the draw reveals it (see draw.py).
    fields = tuple(GROUP_FIELDS)
    readonly_fields = GROUP_FIELDS
    inlines = [MemberInline]

    @admin.display(description=_("seed (dibuka saat undian)"))
    def revealed_seed(self, obj: ArisanGroup) -> str:
        return obj.public_seed or "—"


@admin.register(ArisanRound)
class ArisanRoundAdmin(ReadOnlyAdmin):
    list_display = ["group", "number", "due_date", "winner", "amount", "status", "paid_out_at"]
    list_filter = ["status"]


@admin.register(ArisanContribution)
class ArisanContributionAdmin(ReadOnlyAdmin):
    list_display = ["round", "member", "amount", "method", "status", "payer", "paid_at"]
    list_filter = ["status", "method"]
