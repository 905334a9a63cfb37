"""API of UMKM invoices (/api/v1/invoicing/invoices/): list/filter what the caller may see,
issue by hand (idempotent), bill all or part of the remainder, cancel, dispute.

An invoice the caller may not see answers 404; a step by the wrong person 403, at the wrong
status 409, with bad input 422 — and changes nothing.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.accounts.models import User
from apps.core import idempotency
from apps.core.errors import ValidationFailed
from apps.core.idempotency import idempotent

from .. import selectors, services
from ..models import Invoice
from .filters import InvoiceFilter
from .serializers import (
    InvoiceBillSerializer,
    InvoiceCreateSerializer,
    InvoicePayInputSerializer,
    InvoiceReasonInputSerializer,
    InvoiceSerializer,
)


def _valid(serializer: Serializer[Any]) -> dict[str, Any]:
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), **dict(serializer.errors))
    return dict(serializer.validated_data)


def _user(request: Request) -> User:
    return cast(User, request.user)


class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Invoice]):
    """Faktur UMKM: penjual melihat faktur tokonya, pembeli melihat faktur yang ditujukan kepadanya
    (petugas kantor: faktur untuk kantor kelurahan)."""

    serializer_class = InvoiceSerializer
    filterset_class = InvoiceFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Invoice]:
        return (
            selectors.visible_to(self.request.user)
            .select_related("open_request")
            .prefetch_related("lines")
            .order_by("-issue_date", "-id")
        )

    def _answer(self, request: Request, pk: int, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=pk)
        return Response(InvoiceSerializer(fresh, context={"request": request}).data, status=code)

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        invoice = self.get_object()
        services.mark_viewed(invoice, _user(request))
        return self._answer(request, invoice.pk)

    @extend_schema(
        request=InvoiceCreateSerializer,
        responses={201: InvoiceSerializer},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @idempotent("invoicing.invoice")
    def create(self, request: Request) -> Response:
        """Pemilik UMKM menerbitkan faktur dari tokonya (PPN hanya bila toko PKP)."""
        shop = services.seller_shop(_user(request))
        data = _valid(InvoiceCreateSerializer(data=request.data))
        username = data.pop("buyer_username")
        buyer = None
        if username:
            buyer = User.objects.filter(username=username, is_active=True).first()
            if buyer is None:
                raise ValidationFailed(
                    _("Akun pembeli tidak ditemukan di kelurahan ini."), code="unknown_buyer", field="buyer_username"
                )
        invoice = services.issue_invoice(shop, _user(request), buyer_user=buyer, **data)
        return self._answer(request, invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(request=InvoicePayInputSerializer, responses={200: InvoiceBillSerializer})
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Tagihan QRIS/saldo untuk seluruh sisa, atau sebagian (`amount`)."""
        invoice = self.get_object()
        data = _valid(InvoicePayInputSerializer(data=request.data))
        bill = services.request_payment(invoice, _user(request), amount=data.get("amount"))
        return Response(InvoiceBillSerializer(bill).data)

    @extend_schema(request=InvoiceReasonInputSerializer, responses={200: InvoiceSerializer})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Penjual membatalkan faktur yang belum dibayar (alasan wajib)."""
        invoice = self.get_object()
        data = _valid(InvoiceReasonInputSerializer(data=request.data))
        services.cancel(invoice, _user(request), reason=data["reason"])
        return self._answer(request, invoice.pk)
