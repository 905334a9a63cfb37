"""Sembako Pintar API: rounds (list, detail with market prices, open, order, close, goods
arrived) and a household's own orders (pay by wallet, redeem bansos)."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.aid.models import Program
from apps.core.errors import NotFound
from apps.core.idempotency import HEADER, OPENAPI_PARAMETER, idempotent
from apps.fulfillment.models import Hub
from apps.rtrw.models import RukunWarga
from apps.sembako import selectors, services
from apps.sembako.models import HouseholdOrder, Round

from .serializers import (
    HouseholdOrderSerializer,
    OrderInputSerializer,
    RoundDetailSerializer,
    RoundInputSerializer,
    RoundSerializer,
)


def _user(request: Request) -> User:
    return cast(User, request.user)


class RoundViewSet(viewsets.ReadOnlyModelViewSet[Round]):
    """Rounds this person may join (the kelurahan's, their RW's) or organises."""

    serializer_class = RoundSerializer
    lookup_value_regex = r"\d+"
    queryset = Round.objects.none()  # the schema generator's model; requests use get_queryset

    def get_queryset(self) -> QuerySet[Round]:
        if getattr(self, "swagger_fake_view", False):
            return Round.objects.none()
        return selectors.rounds_for(self.request.user)

    @extend_schema(responses=RoundDetailSerializer)
    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        round = self.get_object()
        data = RoundDetailSerializer(round, context={"priced": selectors.priced_items(round)}).data
        return Response(data)

    @extend_schema(request=RoundInputSerializer, responses={201: RoundSerializer}, parameters=[OPENAPI_PARAMETER])
    @idempotent("sembako.round")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = RoundInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        hub = Hub.objects.filter(pk=values["hub"], is_active=True).first()
        if hub is None:
            raise NotFound(_("Hub tidak ditemukan."), code="unknown_hub")
        rw = None
        if values["rw"] is not None:
            rw = RukunWarga.objects.filter(number=values["rw"]).first()
            if rw is None:
                raise NotFound(_("RW tidak ditemukan."), code="unknown_rw")
        program = None
        if values["aid_program"] is not None:
            program = Program.objects.filter(pk=values["aid_program"]).first()
            if program is None:
                raise NotFound(_("Program bansos tidak ditemukan."), code="unknown_program")
        round = services.open_round(
            _user(request),
            title=values["title"],
            closes_at=values["closes_at"],
            hub=hub,
            rw=rw,
            offers_delivery=values["offers_delivery"],
            aid_program=program,
            items=[services.ItemSpec(**item) for item in values["items"]],
        )
        return Response(RoundSerializer(round).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=OrderInputSerializer, responses={201: HouseholdOrderSerializer}, parameters=[OPENAPI_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    @idempotent("sembako.order")
    def orders(self, request: Request, pk: str) -> Response:
        data = OrderInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        order, created = services.place_order(_user(request), self.get_object(), **values)
        return Response(
            HouseholdOrderSerializer(order).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        return Response(RoundSerializer(services.close_round(self.get_object(), actor=_user(request))).data)

    @extend_schema(request=None, responses=RoundSerializer)
    @action(detail=True, methods=["post"])
    def arrived(self, request: Request, pk: str) -> Response:
        round = Round.objects.select_related("hub").filter(pk=int(pk)).first()
        if round is None:
            raise NotFound(_("Putaran tidak ditemukan."), code="unknown_round")
        return Response(RoundSerializer(services.mark_arrived(round, actor=_user(request))).data)


class HouseholdOrderViewSet(viewsets.ReadOnlyModelViewSet[HouseholdOrder]):
    """The caller's own Sembako orders."""

    serializer_class = HouseholdOrderSerializer
    lookup_value_regex = r"\d+"
    queryset = HouseholdOrder.objects.none()

    def get_queryset(self) -> QuerySet[HouseholdOrder]:
        if getattr(self, "swagger_fake_view", False):
            return HouseholdOrder.objects.none()
        return (
            HouseholdOrder.objects.filter(household=_user(self.request))
            .select_related("payment_request")
            .order_by("-created_at", "-pk")
        )

    @extend_schema(request=None, responses=HouseholdOrderSerializer, parameters=[OPENAPI_PARAMETER])
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str) -> Response:
        """Pay with the wallet; the Idempotency-Key header is required (a retry pays once)."""
        order = services.pay_with_wallet(
            self.get_object(), actor=_user(request), idempotency_key=request.headers.get(HEADER, "")
        )
        return Response(HouseholdOrderSerializer(order).data)

    @extend_schema(request=None, responses=HouseholdOrderSerializer)
    @action(detail=True, methods=["post"])
    def bansos(self, request: Request, pk: str) -> Response:
        return Response(HouseholdOrderSerializer(services.redeem_bansos(self.get_object(), actor=_user(request))).data)
