"""Serializers of the fulfillment API (read models; writes go through services)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.fulfillment import services
from apps.fulfillment.models import Courier, Delivery, Hub, Route, RouteStop, RoutingJob


@extend_schema_field(
    {"type": "string", "pattern": "^-?[0-9]{1,3}([.][0-9]+)?$", "description": "Derajat desimal, mis. -7.6298"}
)
class CoordinateField(serializers.CharField):
    """A latitude or longitude as decimal degrees; services.clean_point checks range and area (422)."""


class HubSerializer(serializers.ModelSerializer[Hub]):
    class Meta:
        model = Hub
        fields = [
            "id",
            "code",
            "name",
            "address",
            "lat",
            "lng",
            "service_radius_m",
            "capacity_volume_l",
            "capacity_weight_kg",
            "capacity_slots",
            "opening_hours",
            "cutoff_times",
            "is_active",
        ]


class HubInput(serializers.Serializer[dict[str, Any]]):
    code = serializers.CharField(max_length=64)
    name = serializers.CharField(max_length=120)
    lat = CoordinateField()
    lng = CoordinateField()
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    service_radius_m = serializers.IntegerField(required=False, default=3_000)
    capacity_volume_l = serializers.IntegerField(required=False, default=2_000)
    capacity_weight_kg = serializers.IntegerField(required=False, default=500)
    capacity_slots = serializers.IntegerField(required=False, default=100)
    opening_hours = serializers.DictField(required=False, default=dict)
    cutoff_times = serializers.ListField(child=serializers.CharField(), required=False)


class CourierSerializer(serializers.ModelSerializer[Courier]):
    name = serializers.CharField(source="__str__", read_only=True)
    home_hub: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Courier
        fields = [
            "id",
            "name",
            "vehicle",
            "capacity_kg",
            "speed_kmh",
            "cost_per_km",
            "earning_per_delivery",
            "home_hub",
            "shift_start",
            "shift_end",
            "work_days",
            "is_available",
            "lat",
            "lng",
            "accuracy_m",
            "last_ping_at",
        ]


class DeliverySerializer(serializers.ModelSerializer[Delivery]):
    order = serializers.IntegerField(source="order_id", read_only=True)
    order_number = serializers.CharField(source="order.number", read_only=True)
    hub: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    courier: serializers.StringRelatedField[Any] = serializers.StringRelatedField(read_only=True)
    unassigned_reason_label = serializers.SerializerMethodField()

    class Meta:
        model = Delivery
        fields = [
            "code",
            "order",
            "order_number",
            "hub",
            "status",
            "pickup_from",
            "pickup_lat",
            "pickup_lng",
            "dropoff_lat",
            "dropoff_lng",
            "dropoff_address",
            "window_start",
            "window_end",
            "weight_kg",
            "courier",
            "external_provider",
            "external_booking",
            "eta",
            "unassigned_reason",
            "unassigned_reason_label",
            "fail_reason",
            "proof_kind",
            "picked_up_at",
            "delivered_at",
            "on_time",
            "created_at",
        ]

    def get_unassigned_reason_label(self, obj: Delivery) -> str:
        return services.reason_label(obj.unassigned_reason)


class DeliveryInput(serializers.Serializer[dict[str, Any]]):
    order = serializers.IntegerField()
    lat = CoordinateField()
    lng = CoordinateField()
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    window_start = serializers.DateTimeField(required=False, allow_null=True, default=None)
    window_end = serializers.DateTimeField(required=False, allow_null=True, default=None)
    weight_kg = serializers.IntegerField(required=False, default=1)


class DeliverInput(serializers.Serializer[dict[str, Any]]):
    otp = serializers.CharField(required=False, allow_blank=True, default="")
    photo = serializers.FileField(required=False, allow_null=True, default=None)


class FailInput(serializers.Serializer[dict[str, Any]]):
    reason = serializers.CharField(max_length=255, allow_blank=True)


class PingInput(serializers.Serializer[dict[str, Any]]):
    lat = CoordinateField()
    lng = CoordinateField()
    accuracy = serializers.IntegerField()
    ts = serializers.CharField(help_text="ISO 8601 or Unix time (seconds or milliseconds)")
    delivery = serializers.CharField(required=False, allow_blank=True, default="")


class RouteStopSerializer(serializers.ModelSerializer[RouteStop]):
    delivery = serializers.CharField(source="delivery.code", read_only=True)

    class Meta:
        model = RouteStop
        fields = ["seq", "kind", "delivery", "lat", "lng", "eta", "done_at"]


class RouteSerializer(serializers.ModelSerializer[Route]):
    courier: serializers.StringRelatedField[Any] = serializers.StringRelatedField(read_only=True)
    stops = RouteStopSerializer(many=True, read_only=True)

    class Meta:
        model = Route
        fields = ["id", "courier", "day", "distance_m", "duration_s", "cost", "starts_at", "ends_at", "stops"]


class RoutingJobSerializer(serializers.ModelSerializer[RoutingJob]):
    hub = serializers.CharField(source="batch.hub.code", read_only=True)
    cutoff_at = serializers.DateTimeField(source="batch.cutoff_at", read_only=True)
    routes = RouteSerializer(many=True, read_only=True)

    class Meta:
        model = RoutingJob
        fields = [
            "id",
            "hub",
            "cutoff_at",
            "status",
            "attempts",
            "orders_total",
            "assigned_count",
            "external_count",
            "unassigned_count",
            "routes_count",
            "distance_m",
            "cost",
            "backend",
            "wall_time_ms",
            "error",
            "started_at",
            "finished_at",
            "routes",
        ]
