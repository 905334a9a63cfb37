"""API of apps.levies under /api/v1/levies/: the kota finance office's register (`bills/`, kota
tenants only) and a payer's own bills in their kelurahan (`my-bills/`). Read-only; writes stay
on the pages (issue, upload, cash, cancel) and in the payments API (paying a bill).

Outside a kota, or for anyone but the finance office, `bills/` answers 403 before any query
of this app's (kota-only) tables; a bill that is not the caller's is 404."""

from __future__ import annotations

from typing import cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, viewsets
from rest_framework.request import Request
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.payments import selectors as payment_selectors
from apps.payments.models import PaymentRequest

from .. import access, payer, selectors
from ..models import LevyBill
from .serializers import LevyBillSerializer, PayerBillSerializer


class IsFinanceOfficer(permissions.BasePermission):
    message = "Hanya petugas keuangan kota."

    def has_permission(self, request: Request, view: APIView) -> bool:
        return access.is_finance_officer(request.user)


STATUS_PARAMETER = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=list(LevyBill.Status.values), description="Saring menurut status"
)


@extend_schema_view(list=extend_schema(parameters=[STATUS_PARAMETER]))
class LevyBillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[LevyBill]):
    """Register tagihan retribusi/pajak kota (petugas keuangan kota)."""

    serializer_class = LevyBillSerializer
    permission_classes = [permissions.IsAuthenticated, IsFinanceOfficer]
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[LevyBill]:
        status = self.request.query_params.get("status", "")
        if status and status not in LevyBill.Status.values:
            raise ValidationFailed(_("Status tidak dikenal."), code="invalid_choice", field="status")
        return selectors.bills(status=status)


class PayerBillViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[PaymentRequest]):
    """Tagihan retribusi/pajak kota yang ditujukan kepada saya (di kelurahan saya)."""

    serializer_class = PayerBillSerializer
    permission_classes = [permissions.IsAuthenticated]
    lookup_field = "public_id"
    lookup_url_kwarg = "public_id"
    lookup_value_regex = r"[0-9a-fA-F-]{36}"

    def get_queryset(self) -> QuerySet[PaymentRequest]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no user
            return PaymentRequest.objects.none()
        return payment_selectors.bills_of_payer(cast(User, self.request.user), reference_kind=payer.REFERENCE_KIND)
