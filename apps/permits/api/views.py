"""API of izin usaha mikro: permits, their workflow steps and events, KBLI, public verification.

Permits a user may not see answer 404 (never 403), so ids reveal nothing; a visible permit's
step taken by the wrong person answers 403, at the wrong time 409, with bad input 422.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import Serializer
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core import idempotency, nik
from apps.core.api.parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from apps.core.api.schema import ErrorSerializer
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.idempotency import idempotent
from apps.permits import certificate, kbli, policy, selectors, services, workflow
from apps.permits.models import Permit, PermitEvent

from .filters import PermitEventFilter, PermitFilter
from .serializers import (
    KbliSerializer,
    NibSerializer,
    NikSearchSerializer,
    PermitCreateSerializer,
    PermitEventSerializer,
    PermitSerializer,
    PermitUpdateSerializer,
    QueueItemSerializer,
    StepSerializer,
    VerificationSerializer,
)

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Bukan peran yang berhak atas langkah ini."),
    404: OpenApiResponse(ErrorSerializer, description="Tidak ada, atau tidak terlihat oleh pengguna ini."),
    409: OpenApiResponse(ErrorSerializer, description="Langkah tidak sesuai status permohonan."),
    422: OpenApiResponse(ErrorSerializer, description="Data tidak valid."),
}


def _valid(serializer: Serializer[Any]) -> dict[str, Any]:
    """Validated data, or a 422 in the project's error format (never DRF's 400)."""
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), **dict(serializer.errors))
    return dict(serializer.validated_data)


def _user(request: Request) -> User:
    return cast(User, request.user)


class FirstRendererNegotiation(BaseContentNegotiation):
    """For file downloads: answer with the view's renderer whatever the client accepts."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0]

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return (renderers[0], renderers[0].media_type)


STEP_SUMMARIES = {
    "submit": "Pemohon (atau petugas) mengajukan draf",
    "recommend": "Ketua RT/RW pemohon merekomendasikan",
    "verify": "Petugas (admin/staf) memverifikasi",
    "approve": "Lurah menyetujui",
    "issue": "Petugas menerbitkan nomor izin dan sertifikat",
    "return": "Yang berwenang pada langkah ini mengembalikan untuk dilengkapi (alasan wajib)",
    "reject": "Yang berwenang pada langkah ini menolak (alasan wajib)",
    "resubmit": "Pemohon mengajukan ulang setelah dikembalikan",
    "withdraw": "Pemohon menarik permohonan sebelum diputuskan",
    "revoke": "Lurah mencabut izin yang terbit (alasan wajib)",
}


def _step_action(name: str) -> Callable[..., Response]:
    def handler(self: PermitViewSet, request: Request, pk: str | None = None) -> Response:
        return self.take_step(request, name)

    handler.__name__ = f"step_{name}"
    handler.__doc__ = STEP_SUMMARIES[name]
    decorated = action(detail=True, methods=["post"], url_path=name, url_name=f"step-{name}")(handler)
    return cast(
        Callable[..., Response],
        extend_schema(
            summary=STEP_SUMMARIES[name],
            request=StepSerializer,
            responses={200: PermitSerializer, **ERRORS},
        )(decorated),
    )


class PermitViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Permit]):
    """Izin usaha mikro yang terlihat oleh pengguna (pemohon: miliknya; RT/RW: RT-nya; petugas/lurah: semua)."""

    serializer_class = PermitSerializer
    lookup_value_regex = r"\d+"
    parser_classes = [SafeJSONParser, SafeMultiPartParser, SafeFormParser]
    filterset_class = PermitFilter

    def get_queryset(self) -> QuerySet[Permit]:
        return selectors.visible_permits(self.request.user).order_by("-created_at", "-id")

    @extend_schema(
        request=PermitCreateSerializer,
        responses={201: PermitSerializer, **ERRORS},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @idempotent("permits.create")
    def create(self, request: Request) -> Response:
        """Ajukan permohonan (multipart untuk berkas). `submit=true` langsung mengajukan."""
        data = _valid(PermitCreateSerializer(data=request.data))
        permit = services.create_permit(actor=_user(request), **data)
        return Response(PermitSerializer(permit, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PermitUpdateSerializer, responses={200: PermitSerializer, **ERRORS})
    def partial_update(self, request: Request, pk: str | None = None) -> Response:
        """Ubah draf atau permohonan yang dikembalikan."""
        permit = self.get_object()
        data = _valid(PermitUpdateSerializer(data=request.data, partial=True))
        updated = services.update_permit(permit, actor=_user(request), **data)
        return Response(PermitSerializer(updated, context={"request": request}).data)

    def take_step(self, request: Request, name: str) -> Response:
        permit = self.get_object()
        data = _valid(StepSerializer(data=request.data))
        moved = services.take_step(permit, _user(request), name, data.get("reason", ""))
        return Response(PermitSerializer(moved, context={"request": request}).data)

    step_submit = _step_action("submit")
    step_recommend = _step_action("recommend")
    step_verify = _step_action("verify")
    step_approve = _step_action("approve")
    step_issue = _step_action("issue")
    step_return = _step_action("return")
    step_reject = _step_action("reject")
    step_resubmit = _step_action("resubmit")
    step_withdraw = _step_action("withdraw")
    step_revoke = _step_action("revoke")

    @extend_schema(operation_id="permits_history", responses={200: PermitEventSerializer(many=True), 404: ERRORS[404]})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        """Riwayat permohonan: siapa, kapan, mengapa."""
        permit = self.get_object()
        events = permit.events.select_related("actor").order_by("created_at", "id")
        return Response(PermitEventSerializer(events, many=True).data)

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="Sertifikat PDF"),
            404: ERRORS[404],
        }
    )
    @action(
        detail=True,
        methods=["get"],
        renderer_classes=[JSONRenderer],
        content_negotiation_class=FirstRendererNegotiation,
    )
    def certificate(self, request: Request, pk: str | None = None) -> HttpResponse:
        """Sertifikat izin (PDF dengan kode QR ke halaman verifikasi); hanya izin terbit/dicabut."""
        permit = self.get_object()
        if permit.status not in (workflow.ISSUED, workflow.REVOKED):
            raise NotFound(_("Izin ini belum terbit."), code="not_issued")
        pdf = certificate.render_certificate(permit, request.tenant)  # type: ignore[attr-defined]
        name = re.sub(r"[^0-9A-Za-z]+", "-", permit.number or str(permit.pk)).strip("-")
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="izin-usaha-{name}.pdf"'
        return response

    @extend_schema(request=NibSerializer, responses={200: PermitSerializer, **ERRORS, 503: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def nib(self, request: Request, pk: str | None = None) -> Response:
        """Periksa NIB yang sudah dimiliki di OSS dan catat pada permohonan."""
        permit = self.get_object()
        data = _valid(NibSerializer(data=request.data))
        updated = services.attach_nib(permit, _user(request), data["nib"])
        return Response(PermitSerializer(updated, context={"request": request}).data)

    @extend_schema(request=None, responses={200: PermitSerializer, **ERRORS, 503: ErrorSerializer})
    @action(detail=True, methods=["post"], url_path="nib/register", url_name="nib-register")
    def nib_register(self, request: Request, pk: str | None = None) -> Response:
        """Daftarkan usaha ke OSS untuk mendapat NIB baru."""
        permit = self.get_object()
        updated = services.register_nib(permit, _user(request))
        return Response(PermitSerializer(updated, context={"request": request}).data)

    @extend_schema(request=NikSearchSerializer, responses={200: PermitSerializer(many=True), 403: ERRORS[403]})
    @action(detail=False, methods=["post"], url_path="find-by-nik", url_name="find-by-nik", pagination_class=None)
    def find_by_nik(self, request: Request) -> Response:
        """Petugas/lurah: cari izin menurut NIK lengkap (POST, agar NIK tidak pernah ada di URL)."""
        if not (policy.is_staff_officer(request.user) or policy.is_lurah(request.user)):
            raise Forbidden(_("Hanya petugas kelurahan dan lurah yang dapat mencari menurut NIK."), code="not_staff")
        data = _valid(NikSearchSerializer(data=request.data))
        found = services.find_by_nik(data["nik"])
        return Response(PermitSerializer(found, many=True, context={"request": request}).data)

    @extend_schema(
        parameters=[OpenApiParameter("all", bool, description="Petugas/lurah: semua yang berjalan")],
        responses=QueueItemSerializer(many=True),
    )
    @action(detail=False, methods=["get"], pagination_class=None)  # a plain list, not a page
    def queue(self, request: Request) -> Response:
        """Antrian kerja, urut batas waktu (SLA); `overdue` = lewat batas waktu."""
        everything = request.query_params.get("all") in ("1", "true")
        items = selectors.work_queue(request.user, everything=everything)
        data = [
            {
                "permit": PermitSerializer(i.permit, context={"request": request}).data,
                "overdue": i.overdue,
                "mine": i.mine,
            }
            for i in items
        ]
        return Response(data)


class PermitEventViewSet(viewsets.ReadOnlyModelViewSet[PermitEvent]):
    """Riwayat semua izin yang terlihat oleh pengguna."""

    serializer_class = PermitEventSerializer
    filterset_class = PermitEventFilter

    def get_queryset(self) -> QuerySet[PermitEvent]:
        return selectors.visible_events(self.request.user).order_by("-created_at", "-id")


class KbliViewSet(viewsets.ViewSet):
    """Daftar KBLI 2020 untuk usaha mikro yang diterima (lihat apps/permits/data/README.md)."""

    lookup_field = "code"
    lookup_value_regex = r"\d{5}"

    @extend_schema(
        parameters=[OpenApiParameter("q", str, description="Awalan kode atau kata dalam judul")],
        responses=KbliSerializer(many=True),
    )
    def list(self, request: Request) -> Response:
        results = kbli.search(request.query_params.get("q", ""), limit=50)
        return Response(KbliSerializer(results, many=True).data)

    @extend_schema(responses={200: KbliSerializer, 404: ERRORS[404]})
    def retrieve(self, request: Request, code: str | None = None) -> Response:
        try:
            entry = kbli.get(code or "")
        except (kbli.InvalidKbli, kbli.UnknownKbli):
            raise NotFound(_("Kode KBLI tidak ada dalam daftar."), code="unknown_kbli") from None
        return Response(KbliSerializer(entry).data)


class VerificationView(APIView):
    """Publik, tanpa login: keabsahan sertifikat dari token di kode QR. Tidak ada data pribadi."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    @extend_schema(responses={200: VerificationSerializer, 404: ERRORS[404]})
    def get(self, request: Request, token: str) -> Response:
        permit = Permit.objects.filter(verification_token=token).first()
        if permit is None or permit.status not in (workflow.ISSUED, workflow.REVOKED):
            raise NotFound(_("Sertifikat tidak ditemukan."), code="certificate_not_found")
        body = {
            "valid": permit.status == workflow.ISSUED,
            "status": permit.status,
            "number": permit.number,
            "business_name": permit.business_name,
            "kbli_code": permit.kbli_code,
            "kbli_title": permit.kbli_title,
            "issued_at": permit.issued_at,
            "revoked_at": permit.revoked_at,
            "owner": nik.mask_name(permit.owner_name),
            "kelurahan": request.tenant.name,  # type: ignore[attr-defined]
        }
        return Response(VerificationSerializer(body).data)
