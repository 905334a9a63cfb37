"""Lender partner API (/api/v1/factoring/), for the officers of a lender (an API token of the
officer's account — apps.accounts.api_tokens, `Authorization: Token <key>` — or a session; no
other credential). Everything is scoped to the caller's lenders in this kelurahan: another
lender's (or another kelurahan's) financing or product is a 404 and never listed.

* `financings/`: list with filters (status, buyer, buyer_name, due_from, due_to, lender);
  `financings/<id>/` one financing with the financed invoice's timeline;
  `financings/by-buyer/` portfolio per buyer (outstanding, count, average days late) and
  `financings/ageing/` outstanding by days past due, both under the same filters;
  `financings/<id>/default/` mark default past due date + grace (recourse to the seller's
  wallet); `financings/<id>/recourse/` take (more) recourse on a defaulted financing.
* `products/`: the lender's factoring products; POST creates one, PATCH sets its terms.

Money-moving and creating POSTs take the shared `Idempotency-Key` layer (apps.core.idempotency).
Errors (Bahasa Indonesia, English with `Accept-Language: en`): bad input 422, not an officer 403,
unknown or another lender's 404, refused in this state (not yet due, not defaulted, nothing to
take, name taken) 409; nothing changes in any of these cases.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core import idempotency
from apps.core.api.schema import ErrorSerializer
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.idempotency import idempotent
from apps.lending.models import Lender

from .. import selectors, services
from ..models import FactoringProduct, Financing
from .filters import FinancingFilter
from .serializers import (
    FactoringAgeingSerializer,
    FactoringBuyerSerializer,
    FactoringProductInput,
    FactoringProductSerializer,
    FactoringTermsInput,
    FinancingDetailSerializer,
    FinancingRecourseInput,
    FinancingRecourseSerializer,
    FinancingSerializer,
)

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not an officer of a lender"),
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or another lender's or kelurahan's"),
    409: OpenApiResponse(ErrorSerializer, description="Refused in this state"),
    422: OpenApiResponse(ErrorSerializer, description="Bad input"),
}


def _valid(serializer_class: Any, request: Request, *, partial: bool = False) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, partial=partial)
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), code="invalid", errors=serializer.errors)
    return cast(dict[str, Any], serializer.validated_data)


@extend_schema(tags=["factoring"])
class FinancingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Financing]):
    """Pembiayaan faktur lembaga Anda (petugas lembaga keuangan)."""

    queryset = Financing.objects.none()  # the model for the API schema; get_queryset() filters
    serializer_class = FinancingSerializer
    filterset_class = FinancingFilter
    filterset_actions = ("list", "by_buyer", "ageing")
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Financing]:
        return selectors.financings_of(selectors.officer_lenders(self.request.user))

    def get_serializer_class(self) -> Any:
        return FinancingDetailSerializer if self.action == "retrieve" else FinancingSerializer

    @extend_schema(responses={200: FactoringBuyerSerializer(many=True)})
    @action(detail=False, methods=["get"], url_path="by-buyer", pagination_class=None)
    def by_buyer(self, request: Request) -> Response:
        """Portofolio per pembeli: jumlah pembiayaan, uang muka, kembali, regres, sisa, rata-rata hari terlambat."""
        rows = selectors.portfolio_by_buyer(self.filter_queryset(self.get_queryset()))
        return Response(FactoringBuyerSerializer(rows, many=True).data)

    @extend_schema(responses={200: FactoringAgeingSerializer})
    @action(detail=False, methods=["get"], pagination_class=None)
    def ageing(self, request: Request) -> Response:
        """Umur piutang: sisa uang muka per lama lewat jatuh tempo (belum, 1–30, 31–60, 61–90, >90 hari)."""
        day = selectors.today()
        rows = selectors.ageing_rows(self.filter_queryset(self.get_queryset()), day)
        return Response(FactoringAgeingSerializer({"as_of": day, "buckets": rows}).data)

    @extend_schema(
        request=None,
        responses={200: FinancingSerializer, **ERRORS},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("factoring.default")
    def default(self, request: Request, pk: str, *args: Any) -> Response:
        """Nyatakan gagal bayar (setelah jatuh tempo + masa toleransi): regres ke dompet penjual."""
        financing = self.get_object()
        services.do_mark_default(financing.invoice_id, request.user)
        fresh = self.get_queryset().get(pk=financing.pk)
        return Response(FinancingSerializer(fresh).data)

    @extend_schema(
        request=FinancingRecourseInput,
        responses={201: FinancingRecourseSerializer, **ERRORS},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("factoring.recourse")
    def recourse(self, request: Request, pk: str, *args: Any) -> Response:
        """Catat regres pada pembiayaan gagal bayar: ambil dari dompet penjual (sebanyak isinya)."""
        financing = self.get_object()
        amount = _valid(FinancingRecourseInput, request).get("amount")
        _done, taken = services.do_take_recourse(financing.invoice_id, request.user, amount=amount)
        fresh = self.get_queryset().get(pk=financing.pk)
        return Response(FinancingRecourseSerializer({"taken": taken, "financing": fresh}).data, status=201)


@extend_schema(tags=["factoring"])
class FactoringProductViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[FactoringProduct]
):
    """Produk anjak piutang lembaga Anda dan syaratnya (uang muka, dasar biaya, batas)."""

    queryset = FactoringProduct.objects.none()  # the model for the API schema; get_queryset() filters
    serializer_class = FactoringProductSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[FactoringProduct]:
        return selectors.products_of(selectors.officer_lenders(self.request.user))

    def _lenders(self) -> QuerySet[Lender]:
        lenders = selectors.officer_lenders(self.request.user)
        if not lenders.exists():
            raise Forbidden(_("Hanya petugas lembaga keuangan yang boleh memakai API ini."), code="not_officer")
        return lenders

    @extend_schema(
        request=FactoringProductInput,
        responses={201: FactoringProductSerializer, **ERRORS},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @idempotent("factoring.product")
    def create(self, request: Request) -> Response:
        lenders = self._lenders()
        data = _valid(FactoringProductInput, request)
        lender_id = data.pop("lender", None)
        lender = (
            lenders.filter(pk=lender_id).first() if lender_id else (lenders.first() if lenders.count() == 1 else None)
        )
        if lender is None:
            raise ValidationFailed(_("Pilih lembaga (lender) Anda."), code="lender_required", field="lender")
        product = services.do_create_product(lender, request.user, **data)
        return Response(FactoringProductSerializer(product).data, status=201)

    @extend_schema(request=FactoringTermsInput, responses={200: FactoringProductSerializer, **ERRORS})
    def partial_update(self, request: Request, pk: str) -> Response:
        """Ubah syarat produk; pembiayaan yang sudah berjalan tetap memakai syarat saat diterima."""
        self._lenders()
        changes = _valid(FactoringTermsInput, request, partial=True)
        product = services.do_set_product_terms(int(pk), request.user, **changes)
        return Response(FactoringProductSerializer(selectors.products_of(self._lenders()).get(pk=product.pk)).data)
