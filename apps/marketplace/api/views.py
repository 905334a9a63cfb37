"""Marketplace API (/api/v1/marketplace/) for integrators (BUMD, BUMDes, corporate buyers)
and apps: catalogue read, order creation with an `Idempotency-Key` header, order status and
lifecycle actions. Token authentication (`Authorization: Token <key>`), one tenant per host.

Bad input answers 422 (unknown or another tenant's variant ids in a body included), a state
that forbids the move 409 (insufficient stock, transition out of order, reused key), an
unknown or another tenant's id in a path 404: nothing is changed in any of those cases.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.core import cache_scopes
from apps.core.errors import ValidationFailed
from apps.core.idempotency import idempotent
from apps.marketplace import selectors, services
from apps.marketplace.models import Order, OrderEvent, Product, Shop, Variant
from apps.payments import services as payments

from .filters import ProductFilter
from .serializers import (
    MarketActionInput,
    MarketCheckoutSerializer,
    MarketOrderInput,
    MarketOrderSerializer,
    MarketPayInput,
    MarketProductSerializer,
    MarketShopSerializer,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=True,
    description="Satu kunci per pesanan (maks. 200 karakter): kiriman ulang dengan kunci yang sama "
    "mengembalikan pesanan yang sama, tidak membuat pesanan baru.",
)
ERRORS = {
    404: OpenApiResponse(description="Tidak ditemukan (termasuk ID milik kelurahan lain)"),
    409: OpenApiResponse(description="Stok tidak cukup, status tidak memungkinkan, atau kunci dipakai ulang"),
    422: OpenApiResponse(description="Data tidak valid (jumlah negatif, varian tidak dikenal, ...)"),
}


def _user(request: Request) -> User:
    return cast(User, request.user)


def _input(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), code="validation_failed", fields=serializer.errors)
    return dict(serializer.validated_data)


def _key(request: Request) -> str:
    raw = request.headers.get("Idempotency-Key") or (
        request.data.get("idempotency_key") if isinstance(request.data, dict) else None
    )
    return f"api:{_user(request).pk}:{payments.clean_key(raw)}"


class ShopViewSet(viewsets.ReadOnlyModelViewSet[Shop]):
    """Active shops of this kelurahan."""

    serializer_class = MarketShopSerializer
    lookup_field = "slug"

    def get_queryset(self) -> QuerySet[Shop]:
        return Shop.objects.filter(is_active=True).order_by("name", "id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """The same for every caller: cached per query until the catalogue changes."""
        parts = ("api-shops", *cache_scopes.request_parts(request))
        return Response(cache_scopes.cached(selectors.CATALOGUE_SCOPE, parts, lambda: self._page(request)))

    def _page(self, request: Request) -> dict[str, Any]:
        shops = self.paginate_queryset(self.get_queryset()) or []
        return dict(self.get_paginated_response(self._serialize(shops)).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return Response(self._serialize([self.get_object()])[0])

    def _serialize(self, shops: Sequence[Shop]) -> Any:
        # Verified badges of these shops only (one query), not of every shop of the kelurahan.
        context = {**self.get_serializer_context(), "verified": selectors.verified_shop_ids(shops)}
        return list(MarketShopSerializer(shops, many=True, context=context).data)


class ProductViewSet(viewsets.ReadOnlyModelViewSet[Product]):
    """The catalogue: products on sale with variants, prices (integer rupiah) and availability."""

    serializer_class = MarketProductSerializer
    filterset_class = ProductFilter

    def get_queryset(self) -> QuerySet[Product]:
        return (
            selectors.catalogue()
            .prefetch_related("categories", Prefetch("variants", queryset=Variant.objects.order_by("price", "id")))
            .order_by("name", "id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """A page is the same for every caller but for the live availability: the products are
        cached per query until the catalogue changes (apps.core.cache_scopes), the units still
        available are read fresh for the page's variants."""
        parts = ("api", *cache_scopes.request_parts(request))
        page = cache_scopes.cached(selectors.CATALOGUE_SCOPE, parts, lambda: self._page(request))
        variants = [variant for product in page["results"] for variant in product["variants"]]
        available = selectors.available_by_variant([variant["id"] for variant in variants])
        for variant in variants:
            variant["available"] = available[variant["id"]]
        return Response(page)

    def _page(self, request: Request) -> dict[str, Any]:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset())) or []
        results = list(MarketProductSerializer(page, many=True, context=self.get_serializer_context()).data)
        return dict(self.get_paginated_response(results).data)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        product = self.get_object()
        variant_ids = [v.pk for v in product.variants.all()]
        context = {**self.get_serializer_context(), "available": selectors.available_by_variant(variant_ids)}
        return Response(MarketProductSerializer(product, context=context).data)


_EVENTS = OrderEvent.objects.select_related("actor").only(
    *("subject_type", "subject_id", "action", "from_status", "to_status", "note", "created_at"),
    *("actor__username", "actor__full_name"),
)


class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Order]):
    """Orders: the caller's own as buyer, their shops' as seller (staff: all)."""

    serializer_class = MarketOrderSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[Order]:
        if getattr(self, "swagger_fake_view", False):
            return Order.objects.none()
        # "events" is a prefetchable property (apps.core.audit.SubjectEvents), unknown to django-stubs.
        return (
            selectors.visible_orders(_user(self.request))  # type: ignore[misc]
            # What the serializer reads, no more: the buyer row and the actors' other columns
            # were most of the SQL the list had to build and parse.
            .select_related(None)
            .select_related("shop", "payment_request")
            .prefetch_related("lines", Prefetch("events", _EVENTS))
            .order_by("-created_at", "-id")
        )

    def get_object(self) -> Order:
        try:
            uuid.UUID(str(self.kwargs.get("id", "")))
        except ValueError:
            raise NotFound() from None  # not an order id here: 404, like another tenant's id
        return super().get_object()

    @extend_schema(
        request=MarketOrderInput,
        parameters=[IDEMPOTENCY_HEADER],
        responses={201: MarketCheckoutSerializer, 200: MarketCheckoutSerializer, **ERRORS},
        summary="Buat pesanan (satu pesanan per toko)",
    )
    def create(self, request: Request) -> Response:
        """Items across shops become one order per shop, stock allocated at once. With
        `payment_method` the orders are also paid (wallet), opened for QRIS, or set to cash
        on delivery. Repeating the same `Idempotency-Key` returns the same orders (200)."""
        key = _key(request)
        data = _input(MarketOrderInput, request.data)
        user = _user(request)
        result = services.place_and_pay(
            user,
            [(item["variant"], item["quantity"]) for item in data["items"]],
            idempotency_key=key,
            delivery=data["delivery_method"],
            address=data["address"],
            lat=data["lat"],
            lng=data["lng"],
            note=data["note"],
            payment_method=data["payment_method"],
            voucher=data["voucher"],
        )
        orders = list(self.get_queryset().filter(placement=result.placement).order_by("pk"))
        body = {
            "checkout": result.placement.pk,
            "replayed": result.replayed,
            "orders": MarketOrderSerializer(orders, many=True).data,
        }
        return Response(body, status=status.HTTP_200_OK if result.replayed else status.HTTP_201_CREATED)

    @extend_schema(
        request=MarketPayInput, parameters=[IDEMPOTENCY_HEADER], responses={200: MarketOrderSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    @idempotent("marketplace.order_pay")
    def pay(self, request: Request, id: str) -> Response:
        """Pay an order awaiting payment: wallet (at once), qris (returns the QRIS), cod.

        The order's own key makes a repeat pay nothing twice; the shared layer on top makes the
        same key with another method or for another order a 409, as everywhere else."""
        order = self.get_object()
        data = _input(MarketPayInput, request.data)
        services.pay_order(order, data["method"], payer=_user(request), idempotency_key=_key(request))
        return Response(MarketOrderSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(request=MarketActionInput, responses={200: MarketOrderSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def transition(self, request: Request, id: str) -> Response:
        """Move the order along its lifecycle (accept, pack, ship, deliver, complete, cancel,
        refund); 409 when not possible from its status, 403 when not yours to take."""
        order = self.get_object()
        data = _input(MarketActionInput, request.data)
        services.transition(order, data["action"], actor=_user(request), note=data["note"])
        return Response(MarketOrderSerializer(self.get_queryset().get(pk=order.pk)).data)
