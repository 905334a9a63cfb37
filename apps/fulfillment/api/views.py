"""Fulfillment API (/api/v1/fulfillment/) for integrators and staff: hubs, couriers, deliveries,
GPS pings and routing jobs. Token or session authentication, one tenant per host.

Bad input answers 422 (coordinates outside the tenant's area or impossible, negative
capacity), a state that forbids the move 409, a ping less than 5 s after the last one 429, a
ping or action on another courier's delivery 403; nothing is changed in any of those cases.

Creating POSTs (hubs, deliveries, pings) take the shared `Idempotency-Key` layer
(apps.core.idempotency): the same key and body replay the first answer, another body is a 409.
The delivery steps `pickup`/`deliver`/`fail` are not under it: they are one-way state changes
that a repeat refuses with 409 (not in a state that allows it), with nothing created.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.api.parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from apps.core.idempotency import OPENAPI_PARAMETER, idempotent
from apps.fulfillment import services
from apps.fulfillment.models import Courier, Delivery, Hub, RoutingJob
from apps.marketplace.models import Order

from .serializers import (
    CourierSerializer,
    DeliverInput,
    DeliveryInput,
    DeliverySerializer,
    FailInput,
    HubInput,
    HubSerializer,
    PingInput,
    RoutingJobSerializer,
)

ERRORS = {
    403: OpenApiResponse(description="Bukan tugas/hak Anda"),
    404: OpenApiResponse(description="Tidak ditemukan (termasuk milik kelurahan lain)"),
    409: OpenApiResponse(description="Status tidak memungkinkan"),
    422: OpenApiResponse(description="Data tidak valid (koordinat di luar wilayah, kapasitas negatif, ...)"),
}


def _user(request: Request) -> User:
    return cast(User, request.user)


def _hub_person(user: User) -> bool:
    return user.is_staff or user.has_role(Role.OPERATOR_HUB)


class HubViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Hub]):
    serializer_class = HubSerializer
    lookup_field = "code"

    def get_queryset(self) -> QuerySet[Hub]:
        return Hub.objects.order_by("name")

    @extend_schema(request=HubInput, responses={201: HubSerializer, **ERRORS}, parameters=[OPENAPI_PARAMETER])
    @idempotent("fulfillment.hub")
    def create(self, request: Request) -> Response:
        data = HubInput(data=request.data)
        data.is_valid(raise_exception=True)
        hub = services.create_hub(actor=_user(request), **data.validated_data)
        return Response(HubSerializer(hub).data, status=status.HTTP_201_CREATED)


class CourierViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Courier]):
    queryset = Courier.objects.none()  # the model for the API schema; get_queryset() filters
    serializer_class = CourierSerializer

    def get_queryset(self) -> QuerySet[Courier]:
        user = _user(self.request)
        couriers = Courier.objects.select_related("user", "home_hub").order_by("pk")
        return couriers if _hub_person(user) else couriers.filter(user=user)


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Delivery]):
    """Staff and hub operators see every delivery; couriers their own; buyers and shops theirs."""

    queryset = Delivery.objects.none()  # the model for the API schema; get_queryset() filters

    serializer_class = DeliverySerializer
    lookup_field = "code"
    parser_classes = [SafeJSONParser, SafeFormParser, SafeMultiPartParser]

    def get_queryset(self) -> QuerySet[Delivery]:
        user = _user(self.request)
        deliveries = Delivery.objects.select_related("order", "hub", "courier", "courier__user").order_by("-created_at")
        if _hub_person(user):
            return deliveries
        return deliveries.filter(Q(order__buyer=user) | Q(order__shop__owner=user) | Q(courier__user=user))

    @extend_schema(request=DeliveryInput, responses={201: DeliverySerializer, **ERRORS}, parameters=[OPENAPI_PARAMETER])
    @idempotent("fulfillment.delivery")
    def create(self, request: Request) -> Response:
        data = DeliveryInput(data=request.data)
        data.is_valid(raise_exception=True)
        values: dict[str, Any] = dict(data.validated_data)
        order = Order.objects.filter(pk=values.pop("order")).first()
        if order is None:
            raise NotFound()
        delivery = services.create_delivery(order, actor=_user(request), **values)
        return Response(DeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: DeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def pickup(self, request: Request, code: str) -> Response:
        delivery = services.mark_picked_up(self.get_object(), actor=_user(request))
        return Response(DeliverySerializer(delivery).data)

    @extend_schema(request=DeliverInput, responses={200: DeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, code: str) -> Response:
        data = DeliverInput(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = services.mark_delivered(
            self.get_object(), actor=_user(request), otp=data.validated_data["otp"], photo=data.validated_data["photo"]
        )
        return Response(DeliverySerializer(delivery).data)

    @extend_schema(request=FailInput, responses={200: DeliverySerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, code: str) -> Response:
        data = FailInput(data=request.data)
        data.is_valid(raise_exception=True)
        delivery = services.mark_failed(self.get_object(), actor=_user(request), reason=data.validated_data["reason"])
        return Response(DeliverySerializer(delivery).data)


class PingViewSet(viewsets.ViewSet):
    @extend_schema(
        request=PingInput,
        responses={
            201: OpenApiResponse(description="Lokasi dicatat"),
            429: OpenApiResponse(description="Terlalu sering"),
            **ERRORS,
        },
        parameters=[OPENAPI_PARAMETER],
    )
    @idempotent("fulfillment.ping")
    def create(self, request: Request) -> Response:
        data = PingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ping = services.record_ping(
            _user(request),
            lat=values["lat"],
            lng=values["lng"],
            accuracy=values["accuracy"],
            recorded_at=values["ts"],
            delivery_code=values["delivery"],
        )
        return Response({"recorded_at": ping.recorded_at}, status=status.HTTP_201_CREATED)


class RoutingJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[RoutingJob]):
    queryset = RoutingJob.objects.none()  # the model for the API schema; get_queryset() filters
    serializer_class = RoutingJobSerializer

    def get_queryset(self) -> QuerySet[RoutingJob]:
        if not _hub_person(_user(self.request)):
            raise PermissionDenied()
        return RoutingJob.objects.select_related("batch", "batch__hub").prefetch_related(
            "routes", "routes__stops", "routes__stops__delivery", "routes__courier__user"
        )
