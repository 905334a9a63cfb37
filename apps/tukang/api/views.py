"""GoTukang API: the directory, a resident's jobs, and the WhatsApp Cloud API webhook."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Q, QuerySet
from django.http import HttpResponse
from django.http.request import RawPostDataException
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.core.errors import NotFound
from apps.core.idempotency import OPENAPI_PARAMETER, idempotent
from apps.tukang import selectors, services, whatsapp
from apps.tukang.models import Job, Quote, Tukang

from .serializers import (
    BookInputSerializer,
    JobInputSerializer,
    JobSerializer,
    QuoteInputSerializer,
    QuoteSerializer,
    RateInputSerializer,
    TukangSerializer,
)

MAX_WEBHOOK_BYTES = 256 * 1024


def _user(request: Request) -> User:
    return cast(User, request.user)


class TukangViewSet(viewsets.ReadOnlyModelViewSet[Tukang]):
    """Available tukang of this kelurahan (?skill=listrik&rw=2)."""

    serializer_class = TukangSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("skill", str, description="Kode keahlian"),
            OpenApiParameter("rw", int, description="Nomor RW"),
        ]
    )
    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Tukang]:
        rw = self.request.query_params.get("rw", "")
        return selectors.directory(
            skill=self.request.query_params.get("skill", ""), rw=int(rw) if rw.isdigit() else None
        )


class JobViewSet(viewsets.ReadOnlyModelViewSet[Job]):
    """The caller's jobs: those they asked for, and (as a tukang) those asked of them."""

    serializer_class = JobSerializer

    queryset = Job.objects.none()  # the schema generator's model; requests use get_queryset

    def get_queryset(self) -> QuerySet[Job]:
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI document: no user
            return Job.objects.none()
        user = _user(self.request)
        tukang = selectors.tukang_of(user)
        if tukang is not None:
            return selectors.jobs_for_tukang(tukang) | Job.objects.filter(requester=user)
        return Job.objects.filter(Q(requester=user))

    @extend_schema(request=JobInputSerializer, responses={201: JobSerializer}, parameters=[OPENAPI_PARAMETER])
    @idempotent("tukang.job")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = JobInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        tukang_id = values.pop("tukang", None)
        tukang = Tukang.objects.filter(pk=tukang_id).first() if tukang_id else None
        if tukang_id and tukang is None:
            raise NotFound(_("Tukang tidak ditemukan."), code="unknown_tukang")
        job = services.request_job(_user(request), tukang=tukang, **values)
        return Response(JobSerializer(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=QuoteInputSerializer, responses={201: QuoteSerializer}, parameters=[OPENAPI_PARAMETER])
    @action(detail=True, methods=["post"])
    @idempotent("tukang.quote")
    def quote(self, request: Request, pk: str) -> Response:
        data = QuoteInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = services.submit_quote(self.get_object(), actor=_user(request), **data.validated_data)
        return Response(QuoteSerializer(quote).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BookInputSerializer, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def book(self, request: Request, pk: str) -> Response:
        data = BookInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = self.get_object()
        quote = get_object_or_404(Quote, pk=data.validated_data["quote"], job=job)
        return Response(JobSerializer(services.book_quote(job, quote, actor=_user(request))).data)

    @extend_schema(request=None, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: str) -> Response:
        return Response(JobSerializer(services.complete_job(self.get_object(), actor=_user(request))).data)

    @extend_schema(request=RateInputSerializer, responses=JobSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request: Request, pk: str) -> Response:
        data = RateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.rate_job(self.get_object(), actor=_user(request), **data.validated_data)
        return Response(JobSerializer(job).data)


class WhatsAppWebhookView(APIView):
    """WhatsApp Cloud API webhook. GET: subscription handshake (hub.mode, hub.verify_token,
    hub.challenge). POST: messages, signed `X-Hub-Signature-256` with the app secret: forged →
    403 and nothing written; a message id seen before → 200 and nothing done again. The
    conversation runs in a task after commit, so the answer is immediate."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_scope = "gateway_notification"

    @extend_schema(
        parameters=[
            OpenApiParameter("hub.mode", str),
            OpenApiParameter("hub.verify_token", str),
            OpenApiParameter("hub.challenge", str),
        ],
        responses={200: OpenApiTypes.STR, 403: OpenApiResponse(description="Token verifikasi salah")},
    )
    def get(self, request: Request) -> HttpResponse:
        challenge = whatsapp.verify_subscription(
            request.query_params.get("hub.mode", ""),
            request.query_params.get("hub.verify_token", ""),
            request.query_params.get("hub.challenge", ""),
        )
        return HttpResponse(challenge[:200], content_type="text/plain")

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiTypes.OBJECT,
            403: OpenApiResponse(description="Tanda tangan (X-Hub-Signature-256) tidak cocok"),
        },
    )
    def post(self, request: Request) -> Response:
        try:
            raw = request._request.body  # the signature is over the exact bytes
        except RawPostDataException:  # a form post, already parsed by apps.core.input_guard
            raise ParseError(_("Webhook harus berupa JSON.")) from None
        if len(raw) > MAX_WEBHOOK_BYTES:
            raise ParseError(_("Isi webhook terlalu besar."))
        received = whatsapp.receive_webhook(raw, request.headers.get(whatsapp.SIGNATURE_HEADER, ""))
        return Response({"status": "ok", "received": received})
