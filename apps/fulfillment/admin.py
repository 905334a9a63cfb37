"""Django admin for staff: hubs, couriers, deliveries (with their events), batches and jobs."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.admin import PairThroughAdmin, timeline_field
from apps.core.errors import DomainError
from apps.core.widgets import MapPointWidget, OpeningHoursField

from . import services
from .models import (
    Batch,
    ConsignmentMovement,
    Courier,
    CourierEarning,
    Delivery,
    Hub,
    Route,
    RouteStop,
    RoutingJob,
)


class HubAdminForm(forms.ModelForm[Hub]):
    """Hours with the per-day editor, the point on a map; saved by services.create_hub/update_hub."""

    opening_hours = OpeningHoursField(label=_("Jam buka"))
    cutoff_times = forms.CharField(
        label=_("Jam tutup batch"),
        required=False,
        help_text=_("Jam pengiriman dikumpulkan, dipisah koma, mis. 09:00, 12:00, 15:00."),
    )

    class Meta:
        model = Hub
        fields = [
            "name",
            "code",
            "address",
            "lat",
            "lng",
            "opening_hours",
            "cutoff_times",
            "service_radius_m",
            "capacity_volume_l",
            "capacity_weight_kg",
            "capacity_slots",
            "operators",
            "is_active",
        ]
        widgets = {"lat": MapPointWidget(lng_field="lng")}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.initial["cutoff_times"] = ", ".join(self.instance.cutoff_times or [])

    def clean_cutoff_times(self) -> list[str] | None:
        text = str(self.cleaned_data.get("cutoff_times") or "")
        parts = [part for part in (p.strip() for p in text.split(",")) if part]
        if not parts:
            return None if not self.instance.pk else []
        try:
            return services.clean_times(parts, field="cutoff_times")
        except DomainError as exc:
            raise forms.ValidationError(str(exc.message)) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("lat") is not None and data.get("lng") is not None:
            try:
                services.clean_point(data["lat"], data["lng"])
            except DomainError as exc:
                self.add_error("lat", str(exc.message))
        return data

    def validate_unique(self) -> None:
        """The service checks the code (against stock locations too)."""


@admin.register(Hub)
class HubAdmin(PairThroughAdmin):
    form = HubAdminForm
    list_display = ["name", "code", "hours_summary", "service_radius_m", "capacity_slots", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "address"]
    # A plain multiple select, not filter_horizontal: its two-box widget overflows a phone and
    # covers the save button.
    readonly_fields = ["location", "created_at"]
    fieldsets = [
        (None, {"fields": ["name", "code", "address", "lat", "lng", "is_active"]}),
        (_("Jam buka"), {"fields": ["opening_hours", "cutoff_times"]}),
        (
            _("Kapasitas"),
            {"fields": ["service_radius_m", "capacity_volume_l", "capacity_weight_kg", "capacity_slots", "operators"]},
        ),
    ]

    @admin.display(description=_("jam buka"))
    def hours_summary(self, obj: Hub) -> str:
        return gettext("%(n)d hari") % {"n": len(obj.opening_hours)} if obj.opening_hours else gettext("selalu buka")

    def get_readonly_fields(self, request: HttpRequest, obj: Hub | None = None) -> list[str]:
        return ["code"] if obj is not None else []

    def save_model(self, request: HttpRequest, obj: Hub, form: Any, change: bool) -> None:
        data, actor = form.cleaned_data, cast(User, request.user)
        values = {
            "name": data["name"],
            "lat": data["lat"],
            "lng": data["lng"],
            "address": data.get("address") or "",
            "service_radius_m": data["service_radius_m"],
            "capacity_volume_l": data["capacity_volume_l"],
            "capacity_weight_kg": data["capacity_weight_kg"],
            "capacity_slots": data["capacity_slots"],
            "opening_hours": data.get("opening_hours") or {},
            "cutoff_times": data.get("cutoff_times"),
            "operators": list(data.get("operators") or []),
        }
        if change:
            saved = services.update_hub(obj, actor=actor, is_active=data.get("is_active", True), **values)
        else:
            saved = services.create_hub(actor=actor, code=data["code"], **values)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        """The service already set the operators."""


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin[Courier]):
    list_display = ["__str__", "vehicle", "home_hub", "shift_start", "shift_end", "is_available", "last_ping_at"]
    list_filter = ["vehicle", "is_available", "home_hub"]
    search_fields = ["user__username", "user__full_name"]
    readonly_fields = ["lat", "lng", "accuracy_m", "last_ping_at"]
    raw_id_fields = ["user"]


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["code", "order", "hub", "status", "courier", "external_booking", "window_end", "on_time"]
    list_filter = ["status", "hub", "on_time"]
    search_fields = ["code", "dropoff_address"]
    timeline = timeline_field()
    # Status changes only through the services (events, notifications, the order's lifecycle).
    readonly_fields = [
        "timeline",
        "code",
        "order",
        "status",
        "batch",
        "route",
        "courier",
        "external_provider",
        "external_booking",
        "external_price",
        "unassigned_reason",
        "proof_kind",
        "proof_photo",
        "picked_up_at",
        "delivered_at",
        "on_time",
        "created_by",
        "otp_attempts",
        # The promised window was agreed with the buyer at checkout; no silent edits here.
        "window_start",
        "window_end",
    ]
    actions = ["cancel_selected"]

    def has_delete_permission(self, request: HttpRequest, obj: Delivery | None = None) -> bool:
        return False  # a delivery is cancelled (buyer, shop and order are told), never deleted

    @admin.action(description=_("Batalkan antaran terpilih"))
    def cancel_selected(self, request: HttpRequest, queryset: QuerySet[Delivery]) -> None:
        done = 0
        for delivery in queryset:
            try:
                services.cancel_delivery(
                    delivery, actor=cast(User, request.user), reason=gettext("Dibatalkan petugas.")
                )
            except DomainError as exc:
                self.message_user(request, f"{delivery.code}: {exc.message}", level=messages.ERROR)
            else:
                done += 1
        if done:
            self.message_user(request, gettext("%(n)d antaran dibatalkan.") % {"n": done})


class RouteInline(admin.TabularInline[Route, RoutingJob]):
    model = Route
    extra = 0
    can_delete = False
    fields = ["courier", "distance_m", "duration_s", "cost", "starts_at", "ends_at"]
    readonly_fields = ["courier", "distance_m", "duration_s", "cost", "starts_at", "ends_at"]


@admin.register(RoutingJob)
class RoutingJobAdmin(admin.ModelAdmin[RoutingJob]):
    list_display = ["batch", "status", "attempts", "orders_total", "assigned_count", "unassigned_count", "finished_at"]
    list_filter = ["status"]
    inlines = [RouteInline]
    readonly_fields = [f.name for f in RoutingJob._meta.fields]


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin[Batch]):
    list_display = ["hub", "cutoff_at", "status"]
    list_filter = ["status", "hub"]


@admin.register(RouteStop)
class RouteStopAdmin(admin.ModelAdmin[RouteStop]):
    list_display = ["route", "seq", "kind", "delivery", "eta", "done_at"]


@admin.register(ConsignmentMovement)
class ConsignmentMovementAdmin(admin.ModelAdmin[ConsignmentMovement]):
    list_display = ["created_at", "hub", "shop", "variant", "direction", "quantity", "balance_after", "actor"]
    list_filter = ["hub", "direction"]
    readonly_fields = [f.name for f in ConsignmentMovement._meta.fields]


@admin.register(CourierEarning)
class CourierEarningAdmin(admin.ModelAdmin[CourierEarning]):
    list_display = ["created_at", "courier", "delivery", "amount"]
    readonly_fields = ["courier", "delivery", "amount", "created_at"]
