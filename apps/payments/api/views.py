"""KotaKitaPay API (/api/v1/payments/). Every money move needs an `Idempotency-Key` header
(or `idempotency_key` in the body); keys are scoped to the signed-in user.

Bad input answers 422, a refused move (overdraft, over-refund, reused key) 409, an unknown or
another tenant's id 422 in a body and 404 in a path: nothing is changed in any of those cases.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http.request import RawPostDataException
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.permissions import AllowAny, IsAdminUser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import idempotency
from apps.core.api.parsers import parse_json
from apps.core.api.schema import ErrorSerializer
from apps.core.errors import Forbidden, ValidationFailed
from apps.core.idempotency import idempotent
from apps.core.text import clean_text
from apps.payments import intake, methods, scanning, selectors, services
from apps.payments.models import (
    Account,
    AccountKind,
    EntryKind,
    GatewayCharge,
    JournalEntry,
    PaymentRequest,
    ReconciliationRun,
)

from .serializers import (
    AccountSerializer,
    ChargeSerializer,
    EntrySerializer,
    MerchantInput,
    PayInput,
    PaymentRequestInput,
    PaymentRequestSerializer,
    PayoutInput,
    PayRequestInput,
    ReconciliationRunSerializer,
    RefundInput,
    RequestRefundInput,
    ScanInput,
    StatementLineSerializer,
    TopUpInput,
    TransferInput,
)

IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True, description="Satu kunci per transaksi"
)


def _user(request: Request) -> User:
    return cast(User, request.user)


def _input(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), code="validation_failed", fields=serializer.errors)
    return dict(serializer.validated_data)


def _key(request: Request) -> str:
    raw = request.headers.get("Idempotency-Key") or (
        request.data.get("idempotency_key") if isinstance(request.data, dict) else None
    )
    key = services.clean_key(raw)
    return f"api:{_user(request).pk}:{key}"


def _entry(entry: JournalEntry, request: Request, code: int = status.HTTP_201_CREATED) -> Response:
    return Response(EntrySerializer(entry, context={"user": _user(request)}).data, status=code)


def _merchant_owner(user: User) -> None:
    if not (user.is_staff or user.has_role(Role.PEMILIK_UMKM)):
        raise Forbidden(_("Hanya pemilik UMKM yang bisa membuka rekening penjualan."))


class AccountViewSet(viewsets.ReadOnlyModelViewSet[Any]):
    """The signed-in user's accounts (their wallet is opened on first use)."""

    serializer_class = AccountSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # OpenAPI generation: no user
            return Account.objects.none()
        user = _user(self.request)
        services.ensure_wallet(user)
        return selectors.accounts_of(user).filter(owner=user).order_by("id")

    @extend_schema(responses=StatementLineSerializer(many=True))
    @action(detail=True, methods=["get"])
    def statement(self, request: Request, id: str) -> Response:
        account = self.get_object()
        page = self.paginate_queryset(selectors.statement(account))
        return self.get_paginated_response(StatementLineSerializer(page, many=True).data)

    @extend_schema(request=MerchantInput, responses={201: AccountSerializer})
    @action(detail=False, methods=["post"])
    def merchant(self, request: Request) -> Response:
        """Open a settlement account for a shop (pemilik UMKM), with its static QRIS."""
        _merchant_owner(_user(request))
        data = _input(MerchantInput, request.data)
        account = services.open_merchant_account(_user(request), data["name"], mcc=data["mcc"])
        return Response(AccountSerializer(account).data, status=status.HTTP_201_CREATED)


class TransferView(APIView):
    @extend_schema(request=TransferInput, responses={201: EntrySerializer}, parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request) -> Response:
        data = _input(TransferInput, request.data)
        user = _user(request)
        if data.get("to_account"):
            target = selectors.any_account(data["to_account"], kinds=(AccountKind.WALLET,))
        elif data.get("to_username"):
            target = selectors.wallet_of_username(data["to_username"])
        else:
            raise ValidationFailed(_("Isi to_account atau to_username."), code="recipient_required")
        entry = services.transfer(
            services.ensure_wallet(user),
            target,
            data["amount"],
            idempotency_key=_key(request),
            description=data["description"],
            actor=user,
        )
        return _entry(entry, request)


class PayView(APIView):
    @extend_schema(request=PayInput, responses={201: EntrySerializer}, parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request) -> Response:
        data = _input(PayInput, request.data)
        user = _user(request)
        merchant = selectors.any_account(data["merchant_account"], kinds=(AccountKind.MERCHANT,))
        amount = services.clean_amount(data["amount"])
        entry = services.pay(
            services.ensure_wallet(user),
            merchant,
            amount,
            services.fee_for(amount),
            data["reference"],
            _key(request),
            description=data["description"],
            actor=user,
        )
        return _entry(entry, request)


class RefundView(APIView):
    @extend_schema(request=RefundInput, responses={201: EntrySerializer}, parameters=[IDEMPOTENCY_HEADER])
    def post(self, request: Request) -> Response:
        data = _input(RefundInput, request.data)
        user = _user(request)
        pid = selectors.parse_public_id(data["entry"], what=_("Jurnal"))
        payment = JournalEntry.objects.filter(public_id=pid, kind=EntryKind.PAYMENT).first()
        if payment is None:
            raise ValidationFailed(_("Pembayaran tidak dikenal."), code="unknown_entry")
        if not payment.postings.filter(account__owner=user, account__kind=AccountKind.MERCHANT).exists():
            raise Forbidden(_("Hanya penerima pembayaran yang bisa mengembalikan dana."))
        entry = services.refund(
            payment, data["amount"], idempotency_key=_key(request), reason=data["reason"], actor=user
        )
        return _entry(entry, request)


class PayoutView(APIView):
    @extend_schema(request=PayoutInput, responses={201: EntrySerializer}, parameters=[IDEMPOTENCY_HEADER])
    @idempotent("payments.payout")
    def post(self, request: Request) -> Response:
        data = _input(PayoutInput, request.data)
        user = _user(request)
        merchant = selectors.own_account(user, data["merchant_account"], kinds=(AccountKind.MERCHANT,))
        entry = services.payout(
            merchant, data["amount"], idempotency_key=_key(request), destination=data["destination"], actor=user
        )
        return _entry(entry, request)


class TopUpViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[GatewayCharge]):
    """Top up the wallet by QRIS: POST gives the QR string; the wallet is credited on settlement."""

    serializer_class = ChargeSerializer
    lookup_field = "order_id"

    def get_queryset(self) -> QuerySet[GatewayCharge]:
        if getattr(self, "swagger_fake_view", False):
            return GatewayCharge.objects.none()
        return selectors.top_ups_of(_user(self.request))

    @extend_schema(request=TopUpInput, responses={201: ChargeSerializer}, parameters=[idempotency.OPENAPI_PARAMETER])
    @idempotent("payments.top_up")
    def create(self, request: Request) -> Response:
        data = _input(TopUpInput, request.data)
        user = _user(request)
        charge = services.start_top_up(services.ensure_wallet(user), data["amount"], actor=user)
        return Response(ChargeSerializer(charge).data, status=status.HTTP_201_CREATED)


class PaymentRequestViewSet(mixins.RetrieveModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet[Any]):
    """Bills with a dynamic QRIS. The merchant lists and creates them; anyone signed in to
    this kelurahan who has a bill's id can see and pay it."""

    serializer_class = PaymentRequestSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[Any]:
        if self.action == "list" and not getattr(self, "swagger_fake_view", False):
            return selectors.requests_of_merchant(_user(self.request))
        return PaymentRequest.objects.select_related("merchant", "paid_entry")

    def get_object(self) -> Any:
        selectors.parse_public_id(self.kwargs.get("id"), what=_("Tagihan"))
        return super().get_object()

    @extend_schema(
        request=PaymentRequestInput,
        responses={201: PaymentRequestSerializer},
        parameters=[idempotency.OPENAPI_PARAMETER],
    )
    @idempotent("payments.payment_request")
    def create(self, request: Request) -> Response:
        data = _input(PaymentRequestInput, request.data)
        user = _user(request)
        merchant = selectors.own_account(user, data["merchant_account"], kinds=(AccountKind.MERCHANT,))
        created = services.create_payment_request(
            merchant, data["amount"], description=data["description"], reference=data["reference"], actor=user
        )
        return Response(PaymentRequestSerializer(created).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ScanInput,
        responses={
            200: PaymentRequestSerializer,
            404: OpenApiResponse(ErrorSerializer, description="QRIS ini bukan tagihan di kelurahan ini."),
            422: OpenApiResponse(
                ErrorSerializer,
                description="Kode QRIS rusak: `code` menamai kesalahannya (`qris_crc_mismatch`, "
                "`qris_zero_length`, `qris_truncated`, ...), `details` memuat tag dan posisinya.",
            ),
        },
    )
    @action(detail=False, methods=["post"])
    def scan(self, request: Request) -> Response:
        """The bill a scanned or pasted QRIS belongs to, so the payer can then pay it."""
        data = _input(ScanInput, request.data)
        bill = scanning.payment_request_for_qris(data["payload"])
        return Response(PaymentRequestSerializer(bill).data)

    @extend_schema(request=PayRequestInput, responses=PaymentRequestSerializer, parameters=[IDEMPOTENCY_HEADER])
    @action(detail=True, methods=["post"])
    def pay(self, request: Request, id: str) -> Response:
        data = _input(PayRequestInput, request.data)
        method = methods.get(data["method"])
        outcome = method.start(self.get_object(), payer=_user(request), idempotency_key=_key(request))
        body = dict(PaymentRequestSerializer(outcome.request).data)
        body["outcome"] = outcome.status
        body["qr_string"] = outcome.qr_string
        return Response(body)

    @extend_schema(request=RequestRefundInput, responses={201: EntrySerializer}, parameters=[IDEMPOTENCY_HEADER])
    @action(detail=True, methods=["post"])
    def refund(self, request: Request, id: str) -> Response:
        data = _input(RequestRefundInput, request.data)
        entry = services.refund_payment_request(
            self.get_object(),
            data["amount"],
            idempotency_key=_key(request),
            reason=data["reason"],
            actor=_user(request),
        )
        return _entry(entry, request)

    @extend_schema(request=None, responses=PaymentRequestSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, id: str) -> Response:
        cancelled = services.cancel_payment_request(self.get_object(), actor=_user(request))
        return Response(PaymentRequestSerializer(cancelled).data)

    @extend_schema(request=None, responses=PaymentRequestSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-cash")
    def confirm_cash(self, request: Request, id: str) -> Response:
        paid = services.confirm_cash_received(self.get_object(), actor=_user(request))
        return Response(PaymentRequestSerializer(paid).data)


class ReconciliationRunViewSet(viewsets.ReadOnlyModelViewSet[ReconciliationRun]):
    serializer_class = ReconciliationRunSerializer
    permission_classes = [IsAdminUser]
    queryset = ReconciliationRun.objects.prefetch_related("mismatches")


class GatewayNotificationView(APIView):
    """Payment gateway notifications (Midtrans format). No login: the signature_key is checked.

    200 when applied, a duplicate, or stale (out of order); 4xx when too large (413), malformed
    (422), forged (403), for an unknown order (404) or with a wrong amount (409) — those change
    nothing; 503 when the gateway could not confirm the status (it will retry). Only signed
    bodies are stored; an unsigned or forged one leaves a log line with its sha256 digest."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    # Its own rate (THROTTLE_GATEWAY_NOTIFICATION) instead of the anonymous one
    # (apps.core.api.throttling.ScopeThrottle; check kotakita.E301 requires the rate).
    throttle_scope = intake.THROTTLE_SCOPE

    @extend_schema(
        request=OpenApiTypes.OBJECT,
        responses={
            200: OpenApiTypes.OBJECT,
            403: OpenApiResponse(description="Tanda tangan (signature_key) tidak cocok"),
            413: OpenApiResponse(description="Notifikasi terlalu besar"),
        },
    )
    def post(self, request: Request) -> Response:
        if intake.request_too_large(request):
            raise intake.too_large()
        try:
            raw = request._request.body  # read ourselves: a broken body must be logged, not bounced
        except RawPostDataException:  # a form post, already parsed by apps.core.input_guard
            raise ParseError(_("Notifikasi harus berupa JSON.")) from None
        if len(raw) > intake.MAX_NOTIFICATION_BYTES:  # a body sent without Content-Length
            raise intake.too_large()
        try:
            body: Any = parse_json(raw.decode("utf-8") or "null")
        except ValueError:  # UnicodeDecodeError and JSONRefused (too deep, NaN, NUL) too
            # Logged as text: without the characters the database and XML cannot hold.
            body = clean_text(raw[:2000].decode("utf-8", "replace"))
        log = services.receive_notification(body, remote_addr=request.META.get("REMOTE_ADDR"), raw=raw)
        return Response({"status": "ok", "outcome": log.outcome, "transaction_status": log.transaction_status})
