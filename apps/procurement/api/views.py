"""API of B2G procurement: requests and their steps, quotes, and the public list of awards.

Requests a user may not see (drafts, for anyone but staff) answer 404; a step taken by the
wrong person answers 403, at the wrong moment 409, with bad input 422 — and changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, cast

from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer

from apps.accounts.models import User
from apps.core import idempotency
from apps.core.api.schema import ErrorSerializer
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.idempotency import idempotent
from apps.procurement import pdf, policy, selectors, services, workflow
from apps.procurement.models import Award, PurchaseOrder, PurchaseRequest, Quote

from .filters import PurchaseRequestFilter
from .serializers import (
    ProcurementAcceptInputSerializer,
    ProcurementAwardInputSerializer,
    ProcurementDeliverInputSerializer,
    ProcurementEvaluateInputSerializer,
    ProcurementEvaluationSerializer,
    ProcurementEventSerializer,
    ProcurementPayInputSerializer,
    ProcurementPublicAwardSerializer,
    ProcurementQuoteInputSerializer,
    ProcurementQuoteSerializer,
    ProcurementReasonInputSerializer,
    PurchaseRequestCreateSerializer,
    PurchaseRequestSerializer,
)

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Bukan peran yang berhak atas langkah ini."),
    404: OpenApiResponse(ErrorSerializer, description="Tidak ada, atau tidak terlihat oleh pengguna ini."),
    409: OpenApiResponse(ErrorSerializer, description="Langkah tidak sesuai status atau waktu (batas penawaran)."),
    422: OpenApiResponse(ErrorSerializer, description="Data tidak valid."),
}
UNAVAILABLE = {503: OpenApiResponse(ErrorSerializer, description="Data izin usaha mikro tidak dapat dibaca.")}


def _valid(serializer: Serializer[Any]) -> dict[str, Any]:
    """Validated data, or a 422 in the project's error format (never DRF's 400)."""
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), **dict(serializer.errors))
    return dict(serializer.validated_data)


def _user(request: Request) -> User:
    return cast(User, request.user)


def _by_id(rows: list[Mapping[str, Any]], key: str, value: str, field: str) -> dict[int, Any]:
    out: dict[int, Any] = {}
    for row in rows:
        if row[key] in out:
            raise ValidationFailed(_("Ada barang/penawaran yang disebut dua kali."), code="duplicate", field=field)
        out[row[key]] = row[value] if value else row
    return out


class FirstRendererNegotiation(BaseContentNegotiation):
    """For file downloads: answer with the view's renderer whatever the client accepts."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


class PurchaseRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[PurchaseRequest]
):
    """Permintaan pengadaan. Petugas melihat semua; pengguna lain melihat yang sudah diumumkan."""

    serializer_class = PurchaseRequestSerializer
    filterset_class = PurchaseRequestFilter
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[PurchaseRequest]:
        return selectors.with_viewer_facts(
            selectors.visible_requests(self.request.user)
            .select_related("award__quote", "order")
            .prefetch_related("items")
            .order_by("-created_at", "-id"),
            self.request.user,
        )

    def _answer(self, request: Request, purchase: PurchaseRequest | int, code: int = status.HTTP_200_OK) -> Response:
        pk = purchase if isinstance(purchase, int) else purchase.pk
        fresh = PurchaseRequest.objects.select_related("award__quote", "order").prefetch_related("items").get(pk=pk)
        return Response(PurchaseRequestSerializer(fresh, context={"request": request}).data, status=code)

    @extend_schema(
        request=PurchaseRequestCreateSerializer,
        responses={201: PurchaseRequestSerializer, **ERRORS, **UNAVAILABLE},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @idempotent("procurement.request")
    def create(self, request: Request) -> Response:
        """Petugas (admin, staf OPD, lurah) membuat permintaan; `publish=true` langsung mengumumkan."""
        if not policy.is_staff(request.user):  # before validating: the role decides first
            raise Forbidden(policy.refusal(workflow.Actor.STAFF), code="not_your_step")
        data = _valid(PurchaseRequestCreateSerializer(data=request.data))
        purchase = services.create_request(actor=_user(request), **data)
        return self._answer(request, purchase, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: PurchaseRequestSerializer, **ERRORS, **UNAVAILABLE})
    @action(detail=True, methods=["post"])
    def publish(self, request: Request, pk: str | None = None) -> Response:
        """Umumkan draf; UMKM yang memenuhi syarat (dan hanya mereka) diberi tahu."""
        purchase = self.get_object()
        return self._answer(request, services.publish(purchase, _user(request)))

    @extend_schema(request=ProcurementReasonInputSerializer, responses={200: PurchaseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Batalkan permintaan sebelum pemenang ditetapkan (alasan wajib)."""
        purchase = self.get_object()
        data = _valid(ProcurementReasonInputSerializer(data=request.data))
        return self._answer(request, services.cancel(purchase, _user(request), reason=data["reason"]))

    @extend_schema(
        request=ProcurementQuoteInputSerializer,
        responses={200: ProcurementQuoteSerializer, 201: ProcurementQuoteSerializer, **ERRORS, **UNAVAILABLE},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("procurement.quote")
    def quote(self, request: Request, pk: str | None = None) -> Response:
        """UMKM yang memenuhi syarat mengajukan (201) atau merevisi (200) penawarannya sebelum batas waktu."""
        purchase = self.get_object()
        data = _valid(ProcurementQuoteInputSerializer(data=request.data))
        prices = _by_id(data["lines"], "item", "unit_price", "lines")
        quote = services.submit_quote(
            purchase, _user(request), prices=prices, delivery_date=data["delivery_date"], notes=data.get("notes", "")
        )
        code = status.HTTP_201_CREATED if quote.revision == 1 else status.HTTP_200_OK
        return Response(ProcurementQuoteSerializer(quote).data, status=code)

    @extend_schema(responses={200: ProcurementQuoteSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]})
    @action(detail=True, methods=["get"], url_path="quotes", url_name="quotes")
    def quotes(self, request: Request, pk: str | None = None) -> Response:
        """Petugas: semua penawaran setelah batas waktu (kosong selama masih tertutup). UMKM: penawarannya sendiri."""
        purchase = self.get_object()
        user = request.user
        if policy.is_staff(user):
            found: Any = selectors.quotes_for_staff(purchase).prefetch_related("revisions")
        elif policy.is_supplier(user):
            found = Quote.objects.filter(request=purchase, supplier_id=user.pk).prefetch_related(
                "lines__item", "revisions"
            )
        else:
            raise Forbidden(_("Hanya petugas atau UMKM penawar yang dapat melihat penawaran."), code="not_your_step")
        return Response(ProcurementQuoteSerializer(found, many=True).data)

    @extend_schema(
        request=ProcurementEvaluateInputSerializer, responses={200: ProcurementEvaluationSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def evaluate(self, request: Request, pk: str | None = None) -> Response:
        """Petugas menilai setiap penawaran (harga, pengiriman, mutu: 0–100) dengan alasan tertulis."""
        purchase = self.get_object()
        data = _valid(ProcurementEvaluateInputSerializer(data=request.data))
        scores = _by_id(data["scores"], "quote", "", "scores")
        evaluation = services.evaluate(purchase, _user(request), scores=scores, rationale=data["rationale"])
        return Response(ProcurementEvaluationSerializer(evaluation).data)

    @extend_schema(responses={200: ProcurementEvaluationSerializer, 403: ERRORS[403], 404: ERRORS[404]})
    @action(detail=True, methods=["get"], url_path="evaluation", url_name="evaluation")
    def evaluation(self, request: Request, pk: str | None = None) -> Response:
        """Evaluasi terakhir (petugas)."""
        purchase = self.get_object()
        if not policy.is_staff(request.user):
            raise Forbidden(policy.refusal(workflow.Actor.STAFF), code="not_your_step")
        found = selectors.latest_evaluation(purchase)
        if found is None:
            raise NotFound(_("Belum ada evaluasi."), code="no_evaluation")
        return Response(ProcurementEvaluationSerializer(found).data)

    @extend_schema(request=ProcurementAwardInputSerializer, responses={200: PurchaseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def award(self, request: Request, pk: str | None = None) -> Response:
        """Tetapkan satu pemenang dari penawaran yang sudah dinilai (sekali saja)."""
        purchase = self.get_object()
        data = _valid(ProcurementAwardInputSerializer(data=request.data))
        services.award(
            purchase,
            _user(request),
            quote=data["quote"],
            summary=data.get("summary", ""),
            reason=data.get("reason", ""),
        )
        return self._answer(request, purchase.pk)

    @extend_schema(request=None, responses={200: PurchaseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def order(self, request: Request, pk: str | None = None) -> Response:
        """Terbitkan surat pesanan bernomor untuk pemenang."""
        purchase = self.get_object()
        services.issue_order(purchase, _user(request))
        return self._answer(request, purchase.pk)

    @extend_schema(request=ProcurementDeliverInputSerializer, responses={200: PurchaseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def deliver(self, request: Request, pk: str | None = None) -> Response:
        """UMKM pemenang (atau petugas) mencatat barang sudah dikirim."""
        purchase = self.get_object()
        data = _valid(ProcurementDeliverInputSerializer(data=request.data))
        services.mark_delivered(
            purchase, _user(request), delivered_on=data.get("delivered_on"), note=data.get("note", "")
        )
        return self._answer(request, purchase.pk)

    @extend_schema(request=ProcurementAcceptInputSerializer, responses={200: PurchaseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def accept(self, request: Request, pk: str | None = None) -> Response:
        """Petugas mencatat penerimaan barang; sebagian boleh, dengan alasan."""
        purchase = self.get_object()
        data = _valid(ProcurementAcceptInputSerializer(data=request.data))
        lines = data.get("lines")
        accepted = _by_id(lines, "item", "accepted_quantity", "lines") if lines else None
        services.accept_delivery(purchase, _user(request), accepted=accepted, reason=data.get("reason", ""))
        return self._answer(request, purchase.pk)

    @extend_schema(request=ProcurementPayInputSerializer, responses={200: PurchaseRequestSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, pk: str | None = None) -> Response:
        """Petugas mencatat pembayaran (referensi dan tanggal); tanpa integrasi buku kas."""
        purchase = self.get_object()
        data = _valid(ProcurementPayInputSerializer(data=request.data))
        services.record_payment(purchase, _user(request), reference=data["reference"], paid_on=data.get("paid_on"))
        return self._answer(request, purchase.pk)

    @extend_schema(responses={200: ProcurementEventSerializer(many=True), 403: ERRORS[403], 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        """Riwayat (petugas): siapa, kapan, apa, mengapa."""
        purchase = self.get_object()
        if not policy.is_staff(request.user):
            raise Forbidden(policy.refusal(workflow.Actor.STAFF), code="not_your_step")
        return Response(ProcurementEventSerializer(selectors.events(purchase), many=True).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Surat pesanan (PDF)"),
            403: ERRORS[403],
            404: ERRORS[404],
        }
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="order-pdf",
        url_name="order-pdf",
        renderer_classes=[JSONRenderer],
        content_negotiation_class=FirstRendererNegotiation,
    )
    def order_pdf(self, request: Request, pk: str | None = None) -> HttpResponse:
        """Surat pesanan sebagai PDF (petugas dan UMKM pemenang)."""
        purchase = self.get_object()
        return order_pdf_response(purchase, request.user, request.tenant)  # type: ignore[attr-defined]


def order_pdf_response(purchase: PurchaseRequest, user: Any, tenant: Any) -> HttpResponse:
    order = (
        PurchaseOrder.objects.select_related("request", "award__quote", "issued_by").filter(request=purchase).first()
    )
    if order is None:
        raise NotFound(_("Surat pesanan belum terbit."), code="no_order")
    if not (policy.is_staff(user) or selectors.winner_id(purchase) == getattr(user, "pk", None)):
        raise Forbidden(_("Surat pesanan hanya untuk petugas dan UMKM pemenang."), code="not_your_step")
    body = pdf.render_order(order, tenant)
    name = re.sub(r"[^0-9A-Za-z]+", "-", order.number).strip("-")
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="surat-pesanan-{name}.pdf"'
    return response


class QuoteViewSet(viewsets.ReadOnlyModelViewSet[Quote]):
    """UMKM: penawaran saya (dengan semua revisinya). Petugas: penawaran yang sudah dibuka (lewat batas waktu)."""

    serializer_class = ProcurementQuoteSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Quote]:
        user = self.request.user
        base = Quote.objects.select_related("request").prefetch_related("lines__item", "revisions")
        mine = base.filter(supplier_id=getattr(user, "pk", None))
        if policy.is_staff(user):
            unsealed = base.exclude(
                request__status__in=[workflow.DRAFT, workflow.OPEN], request__quote_deadline__gt=timezone.now()
            )
            return _with_won((unsealed | mine).distinct()).order_by("-revised_at", "-id")
        return _with_won(mine).order_by("-revised_at", "-id")


def _with_won(quotes: QuerySet[Quote]) -> QuerySet[Quote]:
    """`won` of each quote in the same query."""
    return quotes.annotate(won_flag=Exists(Award.objects.filter(quote=OuterRef("pk"))))


class AwardViewSet(viewsets.ReadOnlyModelViewSet[Award]):
    """Publik, tanpa login: pemenang pengadaan (transparansi). Tanpa data pribadi."""

    serializer_class = ProcurementPublicAwardSerializer
    permission_classes = [permissions.AllowAny]
    authentication_classes: list[Any] = []
    lookup_value_regex = r"\d+"

    def get_queryset(self) -> QuerySet[Award]:
        return selectors.public_awards()
