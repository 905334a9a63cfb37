"""Bazar and voucher API (/api/v1/bazar/).

Creating POSTs take the shared `Idempotency-Key` layer (apps.core.idempotency). A voucher
redemption needs the key: it is also the ledger's key, so a retry never pays the shop twice.
Errors: bad input 422, not allowed 403, unknown 404, a refused step (voucher used up or
expired, stall taken, round already paid out) 409: nothing changed in any case."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.community.models import ArisanRound
from apps.core.errors import ValidationFailed
from apps.core.idempotency import HEADER, OPENAPI_PARAMETER, idempotent
from apps.marketplace.models import Shop

from .. import selectors, services
from ..models import BazarEvent, Stall, Voucher
from .serializers import (
    BazarEventSerializer,
    PromotionInput,
    RedeemInput,
    RedemptionSerializer,
    SalesReportSerializer,
    StallInput,
    StallSerializer,
    VoucherPayoutInput,
    VoucherSerializer,
)


def _user(request: Request) -> User:
    return cast(User, request.user)


@extend_schema_view(
    create=extend_schema(description="Buat bazar (lurah/staf) dan agendanya.", parameters=[OPENAPI_PARAMETER])
)
class BazarEventViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[BazarEvent]
):
    serializer_class = BazarEventSerializer

    def get_queryset(self) -> QuerySet[BazarEvent]:
        if services.may_organise(_user(self.request)):
            return BazarEvent.objects.order_by("-starts_at", "-id")
        return selectors.published().order_by("-starts_at", "-id")

    @idempotent("bazar.event")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = BazarEventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        event = services.create_bazar(
            actor=_user(request),
            name=v["name"],
            starts_at=v["starts_at"],
            ends_at=v["ends_at"],
            place_name=v["place_name"],
            description=v.get("description", ""),
            grid_columns=v.get("grid_columns", 6),
            grid_rows=v.get("grid_rows", 4),
            publish=v.get("is_published", True),
        )
        return Response(BazarEventSerializer(event).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=StallInput,
        responses={201: StallSerializer},
        description=(
            "Daftarkan toko ke lapak: penyelenggara menempatkan toko mana pun, "
            "pemilik toko mendaftarkan tokonya sendiri (lapak kosong berikutnya)."
        ),
        parameters=[OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("bazar.stall")
    def stalls(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        data = StallInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        shop = get_object_or_404(Shop, pk=v["shop"])
        stall = services.add_stall(
            event, shop, actor=_user(request), number=v.get("number"), column=v.get("column"), row=v.get("row")
        )
        return Response(StallSerializer(stall).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=SalesReportSerializer, description="Laporan penjualan bazar (penyelenggara).")
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str | None = None) -> Response:
        event = self.get_object()
        if not services.may_organise(_user(request)):
            return Response(status=status.HTTP_404_NOT_FOUND)
        return Response(SalesReportSerializer(selectors.sales_report(event)).data)


class StallViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[Stall]):
    serializer_class = StallSerializer
    queryset = Stall.objects.select_related("shop").order_by("id")

    @extend_schema(
        request=PromotionInput,
        responses=StallSerializer,
        description="Atur promo lapak (pemilik toko atau penyelenggara).",
    )
    @action(detail=True, methods=["post"])
    def promotion(self, request: Request, pk: str | None = None) -> Response:
        data = PromotionInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        stall = services.set_promotion(
            self.get_object(), actor=_user(request), discount=v["discount"], value=v["value"], products=v["products"]
        )
        return Response(StallSerializer(stall).data)


class VoucherViewSet(mixins.ListModelMixin, viewsets.GenericViewSet[Voucher]):
    """The signed-in user's vouchers; a shop owner redeems any voucher by its code."""

    serializer_class = VoucherSerializer

    def get_queryset(self) -> QuerySet[Voucher]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI generator has no user
            return Voucher.objects.none()
        return Voucher.objects.filter(holder=_user(self.request)).order_by("-created_at", "-id")

    @extend_schema(
        request=RedeemInput,
        responses={201: RedemptionSerializer},
        description="Toko menerima voucher (sebagian atau seluruh sisanya). Idempotency-Key wajib.",
        parameters=[OPENAPI_PARAMETER],
    )
    @action(detail=False, methods=["post"])
    @idempotent("bazar.redeem")
    def redeem(self, request: Request) -> Response:
        data = RedeemInput(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        key = request.headers.get(HEADER, "")
        if not key.strip():
            raise ValidationFailed(_("Kunci idempotensi wajib diisi."), code="idempotency_key_required")
        shop = get_object_or_404(Shop, pk=v["shop"])
        done = services.redeem_voucher(v["code"], shop, v["amount"], actor=_user(request), idempotency_key=key)
        body = {
            "code": done.voucher.code,
            "amount": done.entry.amount,
            "remaining": done.voucher.remaining,
            "entry": done.entry.public_id,
        }
        return Response(RedemptionSerializer(body).data, status=status.HTTP_201_CREATED)


class ArisanVoucherViewSet(viewsets.GenericViewSet[ArisanRound]):
    queryset = ArisanRound.objects.order_by("id")
    lookup_value_regex = r"\d+"  # /arisan-rounds/false/voucher/ is a 404, not a 500

    @extend_schema(
        request=VoucherPayoutInput,
        responses={201: VoucherSerializer},
        description="Bayarkan putaran arisan sebagai voucher UMKM (pengurus arisan).",
        parameters=[OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("bazar.voucher_payout")
    def voucher(self, request: Request, pk: str | None = None) -> Response:
        data = VoucherPayoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        round_ = get_object_or_404(ArisanRound, pk=pk)
        voucher = services.pay_out_as_voucher(
            round_, actor=_user(request), expires_on=data.validated_data.get("expires_on")
        )
        return Response(VoucherSerializer(voucher).data, status=status.HTTP_201_CREATED)
