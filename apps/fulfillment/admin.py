"""Django admin for staff: hubs, couriers, deliveries (with their events), batches and jobs."""

from __future__ import annotations

from django.contrib import admin

from .models import (
    Batch,
    ConsignmentMovement,
    Courier,
    CourierEarning,
    Delivery,
    DeliveryEvent,
    Hub,
    Route,
    RouteStop,
    RoutingJob,
)


@admin.register(Hub)
class HubAdmin(admin.ModelAdmin[Hub]):
    list_display = ["name", "code", "service_radius_m", "capacity_slots", "capacity_weight_kg", "is_active"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "address"]
    filter_horizontal = ["operators"]
    readonly_fields = ["location", "created_at"]


@admin.register(Courier)
class CourierAdmin(admin.ModelAdmin[Courier]):
    list_display = ["__str__", "vehicle", "home_hub", "shift_start", "shift_end", "is_available", "last_ping_at"]
    list_filter = ["vehicle", "is_available", "home_hub"]
    search_fields = ["user__username", "user__full_name"]
    readonly_fields = ["lat", "lng", "accuracy_m", "last_ping_at"]
    raw_id_fields = ["user"]


class DeliveryEventInline(admin.TabularInline[DeliveryEvent, Delivery]):
    model = DeliveryEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "from_status", "to_status", "actor", "note", "created_at"]

    def has_add_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin[Delivery]):
    list_display = ["code", "order", "hub", "status", "courier", "external_booking", "window_end", "on_time"]
    list_filter = ["status", "hub", "on_time"]
    search_fields = ["code", "dropoff_address"]
    inlines = [DeliveryEventInline]
    # Status changes only through the services (events, notifications, the order's lifecycle).
    readonly_fields = [
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
    ]


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
