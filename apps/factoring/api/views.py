"""API for lender partners (/api/v1/factoring/financings/): the financings of the caller's
lenders (officers only; anyone else sees an empty list and 404s), and marking one as defaulted
past its invoice's due date + grace (recourse to the seller's wallet). Idempotent: marking again
takes more recourse only if the seller's wallet holds more.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from .. import selectors, services
from ..models import Financing
from .serializers import FinancingSerializer


class FinancingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Financing]):
    """Pembiayaan faktur lembaga Anda (petugas lembaga keuangan)."""

    serializer_class = FinancingSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Financing]:
        return selectors.financings_of(selectors.officer_lenders(self.request.user))

    @extend_schema(request=None, responses={200: FinancingSerializer})
    @action(detail=True, methods=["post"])
    def default(self, request: Request, pk: str, *args: Any) -> Response:
        """Nyatakan gagal bayar (setelah jatuh tempo + masa toleransi): regres ke dompet penjual."""
        financing = self.get_object()
        services.do_mark_default(financing.invoice_id, request.user)
        fresh = self.get_queryset().get(pk=financing.pk)
        return Response(FinancingSerializer(fresh).data)
