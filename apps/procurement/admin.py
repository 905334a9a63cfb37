"""Django admin for kelurahan/OPD staff: read-only views of requests, quotes, awards, orders and
the event log. Every change goes through the services (pages, API, or the admin actions here)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.admin import timeline_field
from apps.core.errors import DomainError

from . import policy, services
from .models import (
    AcceptanceLine,
    Award,
    Evaluation,
    ProcurementEvent,
    PurchaseOrder,
    PurchaseRequest,
    Quote,
    QuoteLine,
    QuoteRevision,
    QuoteScore,
    RequestItem,
)


class StaffReadOnlyAdmin(admin.ModelAdmin[Any]):
    """Visible to procurement staff (admin, staf OPD, lurah) and superusers; never edited here."""

    def _officer(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(user.is_active and user.is_staff and (user.is_superuser or policy.is_staff(user)))

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._officer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._officer(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline[Any, Any]):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return True


class ItemInline(ReadOnlyInline):
    model = RequestItem
    fields = ("position", "description", "quantity", "unit", "kbli_code")
    readonly_fields = fields


@admin.action(description=_("Umumkan ke UMKM yang memenuhi syarat"))
def publish_requests(
    modeladmin: PurchaseRequestAdmin, request: HttpRequest, queryset: QuerySet[PurchaseRequest]
) -> None:
    actor: User = request.user  # type: ignore[assignment]
    done = 0
    for purchase in queryset.order_by("pk"):
        try:
            services.publish(purchase, actor)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{purchase.title}: {exc.message}", messages.ERROR)
    if done:
        modeladmin.message_user(request, _("%(n)d permintaan diumumkan.") % {"n": done})


@admin.register(PurchaseRequest)
class PurchaseRequestAdmin(StaffReadOnlyAdmin):
    list_display = ("title", "unit_name", "status", "budget_ceiling", "quote_deadline", "delivery_date", "created_at")
    list_filter = ("status",)
    search_fields = ("title", "unit_name", "delivery_address")
    date_hierarchy = "created_at"
    inlines = [ItemInline]
    timeline = timeline_field()
    actions = [publish_requests]
    readonly_fields = (
        "timeline",
        "title",
        "description",
        "unit_name",
        "requested_by",
        "budget_ceiling",
        "quote_deadline",
        "delivery_address",
        "delivery_lat",
        "delivery_lng",
        "delivery_date",
        "status",
        "status_reason",
        "published_at",
        "created_at",
        "updated_at",
    )


class QuoteLineInline(ReadOnlyInline):
    model = QuoteLine
    fields = ("item", "unit_price", "total")
    readonly_fields = fields


class QuoteRevisionInline(ReadOnlyInline):
    model = QuoteRevision
    fields = ("number", "total", "delivery_date", "notes", "created_at")
    readonly_fields = fields


@admin.register(Quote)
class QuoteAdmin(StaffReadOnlyAdmin):
    list_display = ("request", "business_name", "total", "delivery_date", "revision", "revised_at")
    search_fields = ("business_name", "request__title", "permit_number")
    inlines = [QuoteLineInline, QuoteRevisionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Quote]:
        """Sealed quotes (request still open before its deadline) are not shown, even here."""
        return (
            super()
            .get_queryset(request)
            .select_related("request")
            .exclude(request__status__in=["draft", "open"], request__quote_deadline__gt=timezone.now())
        )


class ScoreInline(ReadOnlyInline):
    model = QuoteScore
    fields = ("quote", "price", "delivery", "quality", "total")
    readonly_fields = fields


@admin.register(Evaluation)
class EvaluationAdmin(StaffReadOnlyAdmin):
    list_display = ("request", "evaluator", "created_at")
    inlines = [ScoreInline]


@admin.register(Award)
class AwardAdmin(StaffReadOnlyAdmin):
    list_display = ("request", "quote", "amount", "quote_count", "awarded_by", "awarded_at")
    search_fields = ("request__title", "quote__business_name")


class AcceptanceInline(ReadOnlyInline):
    model = AcceptanceLine
    fields = ("item", "ordered_quantity", "accepted_quantity", "amount")
    readonly_fields = fields


@admin.register(PurchaseOrder)
class PurchaseOrderAdmin(StaffReadOnlyAdmin):
    list_display = ("number", "request", "amount", "accepted_amount", "payment_status", "paid_on", "issued_at")
    list_filter = ("payment_status", "year")
    search_fields = ("number", "request__title", "payment_reference")
    inlines = [AcceptanceInline]


@admin.register(ProcurementEvent)
class ProcurementEventAdmin(StaffReadOnlyAdmin):
    list_display = ("created_at", "request_id", "action", "actor", "actor_role", "from_status", "to_status")
    list_filter = ("action",)
    search_fields = ("note",)
