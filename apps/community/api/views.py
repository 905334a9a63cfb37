"""Community finance API (/api/v1/community/): RT cash books, iuran, arisan.

Money moves need an `Idempotency-Key` header where a retry could move money twice (recording
income/expenses, paying iuran by wallet); keys are scoped to the signed-in user. Contributions
and payouts of arisan are idempotent per round and member by themselves.

Every POST that creates a record or moves money also takes the shared `Idempotency-Key`
layer (apps.core.idempotency): the same key and body replay the first answer, the same key
with another body is a 409; the ledger's own keys stay underneath. Not under it, on purpose
(repeating them changes nothing, so there is no first answer to protect): voiding a line
(a voided line is answered as it is), naming the treasurer (the same person stays named),
the arisan draw steps `commit`/`draw` (a repeat answers the group as it is) and `order` (a
repeat is refused 409 once the order is fixed), the round `payout` (once per round: a repeat
answers the paid round) and the QRIS `refresh` (reads the gateway's state).

Errors: bad input 422, not allowed 403, a refused move (already paid, insufficient funds,
incomplete round) 409, an unknown or another tenant's id 404: nothing changed in any case.
"""

from __future__ import annotations

from typing import Any, cast

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.community import policy, selectors, services
from apps.community.models import (
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    IuranPayment,
    Treasurer,
    month_label,
)
from apps.core.api.parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from apps.core.api.schema import ErrorSerializer
from apps.core.errors import Forbidden, NotFound, ValidationFailed
from apps.core.idempotency import OPENAPI_PARAMETER, idempotent
from apps.payments import services as pay

from .serializers import (
    PAID_CONTRIBUTIONS,
    ArisanContributeInput,
    ArisanContributionSerializer,
    ArisanGroupInput,
    ArisanGroupSerializer,
    ArisanMemberInput,
    ArisanOrderInput,
    ArisanPayoutChoiceInput,
    ArisanRoundSerializer,
    ArisanVerificationSerializer,
    CashBookSerializer,
    CashEntryInput,
    CashEntrySerializer,
    CashEntryVoidInput,
    CashIuranInput,
    IuranArrearsSerializer,
    IuranPaymentSerializer,
    IuranScheduleInput,
    IuranScheduleSerializer,
    KasReportSerializer,
    KasTreasurerInput,
    MyIuranSerializer,
    PayIuranInput,
)

ERRORS = {
    403: OpenApiResponse(ErrorSerializer, description="Tidak berhak (bukan bendahara/ketua RT/penyelenggara)."),
    404: OpenApiResponse(ErrorSerializer, description="Tidak ada, atau tidak terlihat oleh pengguna ini."),
    409: OpenApiResponse(ErrorSerializer, description="Ditolak: sudah lunas, saldo kurang, putaran belum lengkap."),
    422: OpenApiResponse(ErrorSerializer, description="Data tidak valid; tidak ada yang berubah."),
}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=True, description="Satu kunci per transaksi"
)
MONTH_PARAM = OpenApiParameter("month", str, OpenApiParameter.QUERY, description="YYYY-MM (default: bulan ini)")


def _user(request: Request) -> User:
    return policy.per_request(request.user)


def _input(serializer_class: type[serializers.Serializer[Any]], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    if not serializer.is_valid():
        raise ValidationFailed(_("Data tidak valid."), code="validation_failed", fields=serializer.errors)
    return dict(serializer.validated_data)


def _key(request: Request) -> str:
    raw = request.headers.get("Idempotency-Key") or (
        request.data.get("idempotency_key") if hasattr(request.data, "get") else None
    )
    return f"api:{_user(request).pk}:{pay.clean_key(raw)}"


def _person(user_id: int, *, field: str) -> User:
    person = User.objects.filter(pk=user_id, is_active=True).first()
    if person is None:
        raise ValidationFailed(_("Pengguna tidak dikenal."), code="unknown_user", field=field)
    return person


class CashBookViewSet(viewsets.ReadOnlyModelViewSet[CashBook]):
    """RT cash books the user may read (their RT; the RTs they keep; staff: all)."""

    serializer_class = CashBookSerializer
    parser_classes = [SafeJSONParser, SafeMultiPartParser, SafeFormParser]

    def get_queryset(self) -> QuerySet[CashBook]:
        if getattr(self, "swagger_fake_view", False):
            return CashBook.objects.none()
        books = selectors.books_visible_to(_user(self.request)).select_related("cash_account", "digital_account")
        if self.action != "list":
            return books
        # The list names each RT's treasurer: read them all at once (the detail actions do not).
        current = Treasurer.objects.filter(ended_at__isnull=True).select_related("user").order_by("pk")
        return books.prefetch_related(Prefetch("rt__treasurers", queryset=current, to_attr="current_treasurers"))

    def _managed(self) -> CashBook:
        book = self.get_object()
        if not policy.can_manage_books(_user(self.request), book.rt):
            raise Forbidden(_("Hanya bendahara atau ketua %(rt)s yang bisa melakukan ini.") % {"rt": book.rt})
        return book

    @extend_schema(
        methods=["GET"],
        responses={200: CashEntrySerializer(many=True), **ERRORS},
        description="Cash-book lines, newest first (treasurer and ketua RT).",
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": CashEntryInput, "application/json": CashEntryInput},
        responses={201: CashEntrySerializer, **ERRORS},
        parameters=[IDEMPOTENCY_HEADER],
        description="Record cash income or an expense (with an optional receipt: JPEG/PNG/PDF ≤ 2 MB).",
    )
    @action(detail=True, methods=["get", "post"])
    def entries(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            return self._record_entry(request, pk)
        book = self._managed()
        lines = CashBookEntry.objects.filter(cash_book=book).select_related("member", "journal_entry")
        page = self.paginate_queryset(cast(Any, lines))
        return self.get_paginated_response(CashEntrySerializer(page, many=True, context={"request": request}).data)

    @idempotent("community.cash_entry")
    def _record_entry(self, request: Request, pk: str) -> Response:
        book = self._managed()
        data = _input(CashEntryInput, request.data)
        common: dict[str, Any] = {
            "actor": _user(request),
            "amount": data["amount"],
            "category": data["category"],
            "description": data["description"],
            "occurred_on": data.get("occurred_on"),
            "receipt": data.get("receipt"),
            "client_key": _key(request),
        }
        if data["direction"] == CashBookEntry.Direction.INCOME:
            line = services.record_income(book, **common)
        else:
            recipient = None
            if data.get("recipient"):
                recipient = User.objects.filter(username__iexact=data["recipient"], is_active=True).first()
                if recipient is None:
                    raise ValidationFailed(_("Penerima tidak dikenal."), code="unknown_user", field="recipient")
            line = services.record_expense(book, channel=data["channel"], recipient=recipient, **common)
        return Response(CashEntrySerializer(line, context={"request": request}).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CashEntryVoidInput, responses={200: CashEntrySerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path=r"entries/(?P<entry_id>[0-9a-f-]{36})/void")
    def void(self, request: Request, pk: str, entry_id: str) -> Response:
        book = self._managed()
        line = get_object_or_404(CashBookEntry, cash_book=book, public_id=entry_id)
        data = _input(CashEntryVoidInput, request.data)
        line = services.void_entry(line, actor=_user(request), reason=data["reason"])
        return Response(CashEntrySerializer(line, context={"request": request}).data)

    @extend_schema(parameters=[MONTH_PARAM], responses={200: KasReportSerializer, **ERRORS})
    @action(detail=True, methods=["get"])
    def report(self, request: Request, pk: str) -> Response:
        """The transparent monthly report (every resident of the RT may read it)."""
        book = self.get_object()
        month = services.parse_month(request.query_params.get("month") or services.this_month())
        data = selectors.monthly_report(book, month)
        body = {
            "month": month_label(data.month),
            "opening": data.opening,
            "income_total": data.income_total,
            "expense_total": data.expense_total,
            "closing": data.closing,
            "closing_cash": data.closing_cash,
            "closing_digital": data.closing_digital,
            "income_by_category": [
                {"category": c.category, "name": c.label, "total": c.total} for c in data.income_by_category
            ],
            "incomes": CashEntrySerializer(data.incomes, many=True, context={"request": request}).data,
            "expenses": CashEntrySerializer(data.expenses, many=True, context={"request": request}).data,
            "iuran_total": data.iuran_total,
            "iuran_paid_households": data.iuran_paid_names,
            "iuran_unpaid_count": data.iuran_unpaid_count,
            "households": data.households,
        }
        return Response(body)

    @extend_schema(responses={200: IuranArrearsSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"])
    def arrears(self, request: Request, pk: str) -> Response:
        """Households with unpaid months before the current one (treasurer and ketua RT only)."""
        book = self._managed()
        current = services.this_month()
        rows = [
            {
                "member_id": d.member.pk,
                "member": str(d.member),
                "months": [month_label(m) for m, _a in d.overdue(current)],
                "total": sum(a for _m, a in d.overdue(current)),
            }
            for d in selectors.arrears(book)
        ]
        return Response(rows)

    @extend_schema(methods=["GET"], responses={200: IuranScheduleSerializer(many=True), **ERRORS})
    @extend_schema(
        methods=["POST"],
        request=IuranScheduleInput,
        responses={201: IuranScheduleSerializer, **ERRORS},
        parameters=[OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["get", "post"])
    def schedules(self, request: Request, pk: str) -> Response:
        if request.method == "POST":
            return self._set_schedule(request, pk)
        book = self.get_object()
        return Response(IuranScheduleSerializer(book.schedules.all(), many=True).data)

    @idempotent("community.iuran_schedule")
    def _set_schedule(self, request: Request, pk: str) -> Response:
        book = self.get_object()
        data = _input(IuranScheduleInput, request.data)
        item = services.set_schedule(
            book,
            actor=_user(request),
            amount=data["amount"],
            start_month=data["start_month"],
            note=data.get("note", ""),
        )
        return Response(IuranScheduleSerializer(item).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=CashIuranInput, responses={201: IuranPaymentSerializer, **ERRORS}, parameters=[IDEMPOTENCY_HEADER]
    )
    @action(detail=True, methods=["post"], url_path="iuran-cash")
    @idempotent("community.iuran_cash")
    def iuran_cash(self, request: Request, pk: str) -> Response:
        """The treasurer received one month's iuran in cash from a household."""
        book = self._managed()
        data = _input(CashIuranInput, request.data)
        member = _person(data["member"], field="member")
        payment = services.record_iuran_cash(
            book, member, data["month"], actor=_user(request), client_key=_key(request)
        )
        return Response(IuranPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=KasTreasurerInput, responses={200: OpenApiTypes.OBJECT, **ERRORS})
    @action(detail=True, methods=["post"])
    def treasurer(self, request: Request, pk: str) -> Response:
        """Name the RT's bendahara (ketua RT or staff)."""
        book = self.get_object()
        data = _input(KasTreasurerInput, request.data)
        assignment = services.assign_treasurer(book.rt, _person(data["user"], field="user"), actor=_user(request))
        return Response({"rt": str(book.rt), "treasurer": str(assignment.user), "since": assignment.started_at})


class IuranViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[IuranPayment]):
    """The signed-in member's iuran payments; `dues` lists what is still owed; `pay` pays."""

    serializer_class = IuranPaymentSerializer
    lookup_field = "public_id"
    lookup_url_kwarg = "id"

    def get_queryset(self) -> QuerySet[IuranPayment]:
        if getattr(self, "swagger_fake_view", False):
            return IuranPayment.objects.none()
        return IuranPayment.objects.filter(member=_user(self.request)).select_related(
            "charge", "cash_book__rt__rw", "member"
        )

    @extend_schema(responses={200: MyIuranSerializer, **ERRORS})
    @action(detail=False, methods=["get"])
    def dues(self, request: Request) -> Response:
        user = _user(request)
        book = services.member_book(user)
        dues = selectors.member_dues(book, user)
        return Response(
            {
                "rt": str(book.rt),
                "unpaid": [{"month": month_label(m), "amount": a} for m, a in dues.unpaid],
                "total_unpaid": dues.total_unpaid,
                "paid": [month_label(m) for m in dues.paid],
            }
        )

    @extend_schema(
        request=PayIuranInput, responses={201: IuranPaymentSerializer, **ERRORS}, parameters=[IDEMPOTENCY_HEADER]
    )
    @action(detail=False, methods=["post"])
    @idempotent("community.iuran_pay")
    def pay(self, request: Request) -> Response:
        """Pay one month: `wallet` (paid at once) or `qris` (pending; returns the QRIS string)."""
        data = _input(PayIuranInput, request.data)
        user = _user(request)
        if data["method"] == "qris":
            payment = services.start_iuran_qris(user, data["month"])
        else:
            payment = services.pay_iuran_with_wallet(user, data["month"], client_key=_key(request))
        return Response(IuranPaymentSerializer(payment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: IuranPaymentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def refresh(self, request: Request, id: str) -> Response:
        """Apply the gateway's answer to a pending QRIS payment now."""
        payment = services.sync_iuran_payment(self.get_object())
        return Response(IuranPaymentSerializer(payment).data)


class ArisanViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet[ArisanGroup]):
    """Arisan groups the user belongs to or organises."""

    serializer_class = ArisanGroupSerializer

    def get_queryset(self) -> QuerySet[ArisanGroup]:
        if getattr(self, "swagger_fake_view", False):
            return ArisanGroup.objects.none()
        return selectors.groups_of(_user(self.request)).select_related("pool_account").prefetch_related("members__user")

    @extend_schema(
        request=ArisanGroupInput, responses={201: ArisanGroupSerializer, **ERRORS}, parameters=[OPENAPI_PARAMETER]
    )
    @idempotent("community.arisan_group")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = _input(ArisanGroupInput, request.data)
        user = _user(request)
        rt = policy.home_rt(user) if data["rt_scoped"] else None
        if data["rt_scoped"] and rt is None:
            raise ValidationFailed(_("Anda belum terdaftar sebagai warga sebuah RT."), code="no_residency")
        group = services.create_group(
            organiser=user,
            name=data["name"],
            contribution=data["contribution"],
            period=data["period"],
            draw_method=data["draw_method"],
            start_date=data["start_date"],
            rt=rt,
        )
        return Response(ArisanGroupSerializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=ArisanMemberInput, responses={201: ArisanGroupSerializer, **ERRORS}, parameters=[OPENAPI_PARAMETER]
    )
    @action(detail=True, methods=["post"])
    @idempotent("community.arisan_member")
    def members(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        data = _input(ArisanMemberInput, request.data)
        services.add_member(group, _person(data["user"], field="user"), actor=_user(request))
        return Response(ArisanGroupSerializer(self.get_object()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ArisanGroupSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def commit(self, request: Request, pk: str) -> Response:
        """Random draw, step 1: freeze members, publish sha256(seed)."""
        group = services.commit_draw(self.get_object(), actor=_user(request))
        return Response(ArisanGroupSerializer(group).data)

    @extend_schema(request=None, responses={200: ArisanGroupSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def draw(self, request: Request, pk: str) -> Response:
        """Random draw, step 2: reveal the seed; the rounds follow from it."""
        group = services.reveal_draw(self.get_object(), actor=_user(request))
        return Response(ArisanGroupSerializer(group).data)

    @extend_schema(request=ArisanOrderInput, responses={200: ArisanGroupSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def order(self, request: Request, pk: str) -> Response:
        """Agreed order: member ids, round 1 first."""
        data = _input(ArisanOrderInput, request.data)
        group = services.set_agreed_order(self.get_object(), data["order"], actor=_user(request))
        return Response(ArisanGroupSerializer(group).data)

    @extend_schema(
        parameters=[OpenApiParameter("seed", str, OpenApiParameter.QUERY, description="Seed lain untuk diperiksa")],
        responses={200: ArisanVerificationSerializer, **ERRORS},
    )
    @action(detail=True, methods=["get"])
    def verify(self, request: Request, pk: str) -> Response:
        """Check the draw: sha256(seed) = commitment and the seed gives the published order."""
        group = self.get_object()
        seed = request.query_params.get("seed") or None
        result = selectors.verification(group, seed=seed)
        if result is None:
            raise NotFound(_("Belum ada undian yang bisa diperiksa."), code="nothing_to_verify")
        return Response(
            {
                "commitment": group.seed_commitment,
                "seed": seed or group.public_seed,
                "member_ids": sorted(group.members.values_list("pk", flat=True)),
                "published_order": selectors.published_order(group),
                "expected_order": list(result.expected_order),
                "commitment_ok": result.commitment_ok,
                "order_ok": result.order_ok,
                "ok": result.ok,
            }
        )

    @extend_schema(responses={200: ArisanRoundSerializer(many=True), **ERRORS})
    @action(detail=True, methods=["get"])
    def rounds(self, request: Request, pk: str) -> Response:
        group = self.get_object()
        rounds = group.rounds.select_related("winner__user").prefetch_related(PAID_CONTRIBUTIONS)
        return Response(ArisanRoundSerializer(rounds, many=True).data)


class ArisanRoundViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[ArisanRound]):
    serializer_class = ArisanRoundSerializer

    def get_queryset(self) -> QuerySet[ArisanRound]:
        if getattr(self, "swagger_fake_view", False):
            return ArisanRound.objects.none()
        groups = selectors.groups_of(_user(self.request)).values("pk")
        return (
            ArisanRound.objects.filter(group__in=groups)
            .select_related("group", "winner__user")
            .prefetch_related(PAID_CONTRIBUTIONS)
        )

    @extend_schema(
        request=ArisanContributeInput,
        responses={201: ArisanContributionSerializer, **ERRORS},
        parameters=[OPENAPI_PARAMETER],
    )
    @action(detail=True, methods=["post"])
    @idempotent("community.arisan_contribution")
    def contribute(self, request: Request, pk: str) -> Response:
        """Pay a share of this round (own share, or the organiser for a member)."""
        round_ = self.get_object()
        data = _input(ArisanContributeInput, request.data)
        user = _user(request)
        if data.get("member"):
            member = ArisanMember.objects.filter(group=round_.group, pk=data["member"]).first()
        else:
            member = policy.membership(user, round_.group)
        if member is None:
            raise ValidationFailed(_("Bukan anggota arisan ini."), code="not_a_member", field="member")
        if data["method"] == ArisanContribution.Method.QRIS:
            contribution = services.start_contribution_qris(round_, member, payer=user)
        else:
            contribution = services.contribute_with_wallet(round_, member, payer=user)
        return Response(ArisanContributionSerializer(contribution).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: ArisanRoundSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def payout(self, request: Request, pk: str) -> Response:
        """Pay the winner the pool of this round (organiser; once)."""
        round_ = services.pay_out(self.get_object(), actor=_user(request))
        return Response(ArisanRoundSerializer(round_).data)

    @extend_schema(request=ArisanPayoutChoiceInput, responses={200: ArisanRoundSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="payout-choice")
    def payout_choice(self, request: Request, pk: str) -> Response:
        """Before the payout, the organiser or the winner chooses a UMKM voucher or cash; the
        payout (the organiser's or the scheduled one) follows it. Setting the same choice again
        changes nothing."""
        data = _input(ArisanPayoutChoiceInput, request.data)
        round_ = services.choose_payout(self.get_object(), as_voucher=data["as_voucher"], actor=_user(request))
        return Response(ArisanRoundSerializer(round_).data)
