"""Lending partner API (/api/v1/lending/) for the lenders' officers (token or session).

Everything is scoped to the lenders the signed-in officer belongs to: another lender's (or
another tenant's) product, application or loan is a 404. Money moves (disbursement, repayment,
recovery) are idempotent: repayments and recoveries need an `Idempotency-Key` header.

Every creating or money-moving POST also takes the shared `Idempotency-Key` layer
(apps.core.idempotency): the same key and body replay the first answer, another body is a 409.
Not under it, on purpose: `reject` and `write-off` are one-way state changes that a repeat
refuses with 409 (already decided / already written off) and that move no money.

Errors: bad input 422, not an officer 403, a refused step (already decided, already disbursed,
own application, insufficient funds) 409; nothing changes in any of these cases.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import idempotency
from apps.core.api.schema import ErrorSerializer
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.idempotency import idempotent

from .. import selectors, services
from ..models import Application, Lender, Loan, LoanProduct
from .filters import ApplicationFilter
from .serializers import (
    AmountInput,
    ApplicationSerializer,
    DecisionInput,
    InstalmentSerializer,
    LoanSerializer,
    ProductInput,
    ProductSerializer,
    ReasonInput,
    TransactionSerializer,
)

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Not an officer of this lender"),
    404: OpenApiResponse(ErrorSerializer, description="Unknown, or another lender's or tenant's"),
    409: OpenApiResponse(ErrorSerializer, description="Refused in this state"),
    422: OpenApiResponse(ErrorSerializer, description="Bad input"),
}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key", OpenApiTypes.STR, OpenApiParameter.HEADER, required=True, description="Retry-safe key"
)


def _lenders(request: Request) -> QuerySet[Lender]:
    user = cast(User, request.user)
    if not user.has_role(Role.PETUGAS_LKM):
        raise Forbidden(_("Hanya petugas lembaga keuangan yang boleh memakai API ini."))
    return selectors.lenders_of(user)


def _key(request: Request) -> str:
    key = request.headers.get("Idempotency-Key", "")
    if not key.strip():
        raise ValidationFailed(_("Header Idempotency-Key wajib diisi."), code="idempotency_key_required")
    return f"api:{request.user.pk}:{key.strip()}"


def _valid(serializer_class: Any, request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), code="invalid", errors=serializer.errors)
    return cast(dict[str, Any], serializer.validated_data)


@extend_schema(tags=["lending"])
class ProductViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[LoanProduct]):
    queryset = LoanProduct.objects.none()  # the model for the API schema; get_queryset() filters
    serializer_class = ProductSerializer

    def get_queryset(self) -> QuerySet[LoanProduct]:
        return LoanProduct.objects.filter(lender__in=_lenders(self.request)).select_related("lender").order_by("id")

    @extend_schema(
        request=ProductInput, responses={201: ProductSerializer, **ERRORS}, parameters=[idempotency.OPENAPI_PARAMETER]
    )
    @idempotent("lending.product")
    def create(self, request: Request) -> Response:
        data = _valid(ProductInput, request)
        lenders = _lenders(request)
        lender_id = data.pop("lender", None)
        lender = (
            lenders.filter(pk=lender_id).first() if lender_id else (lenders.first() if lenders.count() == 1 else None)
        )
        if lender is None:
            raise ValidationFailed(_("Pilih lembaga (lender) Anda."), code="lender_required", field="lender")
        product = services.create_product(lender, services.ProductTerms(**data), actor=cast(User, request.user))
        return Response(ProductSerializer(product).data, status=201)


@extend_schema(tags=["lending"])
class ApplicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Application]):
    """Applications to your lenders, each with its credit assessment (score, band, reasons)."""

    queryset = Application.objects.none()  # the model for the API schema; get_queryset() filters

    serializer_class = ApplicationSerializer
    filterset_class = ApplicationFilter

    def get_queryset(self) -> QuerySet[Application]:
        return (
            Application.objects.filter(lender__in=_lenders(self.request))
            .select_related("lender", "applicant", "assessment__model_version", "loan")
            .order_by("-id")
        )

    @extend_schema(
        request=DecisionInput,
        responses={200: ApplicationSerializer, **ERRORS},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("lending.approve")
    def approve(self, request: Request, pk: str) -> Response:
        """Approve (and by default disburse into the applicant's wallet)."""
        application = self.get_object()
        data = _valid(DecisionInput, request)
        officer = cast(User, request.user)
        if data["disburse"]:
            services.approve_and_disburse(application, officer, reason=data["reason"])
        else:
            services.approve(application, officer, reason=data["reason"])
        return Response(ApplicationSerializer(self.get_queryset().get(pk=application.pk)).data)

    @extend_schema(request=ReasonInput, responses={200: ApplicationSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        services.reject(application, cast(User, request.user), reason=_valid(ReasonInput, request)["reason"])
        return Response(ApplicationSerializer(self.get_queryset().get(pk=application.pk)).data)

    @extend_schema(
        request=None, responses={200: ApplicationSerializer, **ERRORS}, parameters=[idempotency.OPENAPI_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    @idempotent("lending.disburse")
    def disburse(self, request: Request, pk: str) -> Response:
        application = self.get_object()
        services.disburse(application, cast(User, request.user))
        return Response(ApplicationSerializer(self.get_queryset().get(pk=application.pk)).data)


@extend_schema(tags=["lending"])
class LoanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Loan]):
    queryset = Loan.objects.none()  # the model for the API schema; get_queryset() filters
    serializer_class = LoanSerializer

    def get_queryset(self) -> QuerySet[Loan]:
        return Loan.objects.filter(lender__in=_lenders(self.request)).select_related("borrower").order_by("-id")

    @extend_schema(responses={200: InstalmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def schedule(self, request: Request, pk: str) -> Response:
        loan = self.get_object()
        return Response(InstalmentSerializer(loan.instalments.order_by("number"), many=True).data)

    @extend_schema(
        methods=["GET"],
        responses={200: TransactionSerializer(many=True)},
        description="Repayments and other transactions",
    )
    @extend_schema(
        methods=["POST"],
        request=AmountInput,
        parameters=[IDEMPOTENCY],
        responses={201: TransactionSerializer, **ERRORS},
        description="Record a repayment from the borrower's wallet (due first, the rest prepays principal).",
    )
    @action(detail=True, methods=["get", "post"])
    def repayments(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            return self._repay(request, pk)
        loan = self.get_object()
        return Response(TransactionSerializer(loan.transactions.order_by("id"), many=True).data)

    @idempotent("lending.repayment")
    def _repay(self, request: Request, pk: str) -> Response:
        # The loan's own key (LoanTransaction.idempotency_key) stays; this layer replays the first answer.
        loan = self.get_object()
        amount = _valid(AmountInput, request)["amount"]
        tx = services.repay(loan, amount, actor=cast(User, request.user), idempotency_key=_key(request))
        return Response(TransactionSerializer(tx).data, status=201)

    @extend_schema(request=ReasonInput, responses={200: LoanSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="write-off")
    def write_off(self, request: Request, pk: str) -> Response:
        loan = services.write_off(
            self.get_object(), cast(User, request.user), reason=_valid(ReasonInput, request)["reason"]
        )
        return Response(LoanSerializer(loan).data)

    @extend_schema(request=AmountInput, parameters=[IDEMPOTENCY], responses={201: TransactionSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    @idempotent("lending.recovery")
    def recoveries(self, request: Request, pk: str) -> Response:
        loan = self.get_object()
        amount = _valid(AmountInput, request)["amount"]
        tx = services.recover(loan, amount, actor=cast(User, request.user), idempotency_key=_key(request))
        return Response(TransactionSerializer(tx).data, status=201)
