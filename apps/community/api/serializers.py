"""Serializers of the community API: outputs are read-only views of rows, inputs are plain
shapes whose values the services check (amounts, months, categories, files)."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.community import selectors
from apps.community.models import (
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    Category,
    IuranPayment,
    IuranSchedule,
    month_label,
)
from apps.core.files import private_url


@extend_schema_field({"type": "string", "pattern": "^[1-9][0-9]{3}-(0[1-9]|1[0-2])$", "example": "2026-01"})
class MonthField(serializers.Field[Any, Any, str, Any]):
    """A month as "YYYY-MM" (stored as the date of its first day)."""

    def to_representation(self, value: Any) -> str:
        return month_label(value)

    def to_internal_value(self, data: Any) -> str:
        return str(data)


class CashBookSerializer(serializers.ModelSerializer[CashBook]):
    rt = serializers.CharField(source="rt.__str__", read_only=True)
    rt_id = serializers.IntegerField(read_only=True)
    balance = serializers.SerializerMethodField()
    cash = serializers.IntegerField(source="cash_account.balance", read_only=True)
    digital = serializers.IntegerField(source="digital_account.balance", read_only=True)
    treasurer = serializers.SerializerMethodField()

    class Meta:
        model = CashBook
        fields = ["id", "rt_id", "rt", "balance", "cash", "digital", "treasurer", "created_at"]

    def get_balance(self, obj: CashBook) -> int:
        return int(obj.cash_account.balance + obj.digital_account.balance)

    def get_treasurer(self, obj: CashBook) -> str | None:
        current_list = getattr(obj.rt, "current_treasurers", None)  # prefetched by the list
        if current_list is not None:
            return str(current_list[0].user) if current_list else None
        current = selectors.current_treasurer(obj.rt)
        return str(current.user) if current else None


class CashEntrySerializer(serializers.ModelSerializer[CashBookEntry]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    member = serializers.CharField(source="member.__str__", read_only=True, default=None)
    receipt_url = serializers.SerializerMethodField()
    voided = serializers.SerializerMethodField()
    journal_entry = serializers.UUIDField(source="journal_entry.public_id", read_only=True)

    class Meta:
        model = CashBookEntry
        fields = [
            "id",
            "direction",
            "category",
            "channel",
            "amount",
            "description",
            "occurred_on",
            "member",
            "receipt_url",
            "voided",
            "void_reason",
            "journal_entry",
            "created_at",
        ]

    def get_receipt_url(self, obj: CashBookEntry) -> str | None:
        if not obj.receipt:
            return None
        request = self.context.get("request")
        path = private_url(obj, "receipt")
        return request.build_absolute_uri(path) if request is not None else path

    def get_voided(self, obj: CashBookEntry) -> bool:
        return obj.voided_at is not None


class CashEntryInput(serializers.Serializer[Any]):
    direction = serializers.ChoiceField(choices=CashBookEntry.Direction.choices)
    amount = serializers.CharField(help_text=_("Rupiah, bilangan bulat positif."))
    category = serializers.ChoiceField(choices=Category.choices)
    description = serializers.CharField(max_length=255)
    occurred_on = serializers.DateField(required=False, allow_null=True)
    channel = serializers.ChoiceField(
        choices=[("cash", "cash"), ("transfer", "transfer")], required=False, default="cash"
    )
    recipient = serializers.CharField(required=False, allow_blank=True, help_text=_("Nama pengguna (transfer)."))
    receipt = serializers.FileField(required=False, allow_null=True, help_text=_("JPEG/PNG/PDF, maks. 2 MB."))


class CashEntryVoidInput(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=255)


class IuranScheduleSerializer(serializers.ModelSerializer[IuranSchedule]):
    start_month = MonthField()

    class Meta:
        model = IuranSchedule
        fields = ["id", "amount", "start_month", "note", "created_at"]


class IuranScheduleInput(serializers.Serializer[Any]):
    amount = serializers.CharField()
    start_month = serializers.CharField(help_text="YYYY-MM")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255)


class IuranPaymentSerializer(serializers.ModelSerializer[IuranPayment]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    month = MonthField()
    member = serializers.CharField(source="member.__str__", read_only=True)
    rt = serializers.CharField(source="cash_book.rt.__str__", read_only=True)
    qr_string = serializers.SerializerMethodField()
    order_id = serializers.CharField(source="charge.order_id", read_only=True, default=None)

    class Meta:
        model = IuranPayment
        fields = ["id", "rt", "member", "month", "amount", "method", "status", "order_id", "qr_string", "paid_at"]

    def get_qr_string(self, obj: IuranPayment) -> str | None:
        if obj.status != IuranPayment.Status.PENDING or obj.charge is None:
            return None
        return obj.charge.qr_string


class PayIuranInput(serializers.Serializer[Any]):
    month = serializers.CharField(help_text="YYYY-MM")
    method = serializers.ChoiceField(choices=[("wallet", "wallet"), ("qris", "qris")], default="wallet")


class CashIuranInput(serializers.Serializer[Any]):
    member = serializers.IntegerField(help_text=_("ID pengguna warga RT ini."))
    month = serializers.CharField(help_text="YYYY-MM")


class IuranDueSerializer(serializers.Serializer[Any]):
    month = serializers.CharField()
    amount = serializers.IntegerField()


class MyIuranSerializer(serializers.Serializer[Any]):
    rt = serializers.CharField()
    unpaid = IuranDueSerializer(many=True)
    total_unpaid = serializers.IntegerField()
    paid = serializers.ListField(child=serializers.CharField())


class IuranArrearsSerializer(serializers.Serializer[Any]):
    member_id = serializers.IntegerField()
    member = serializers.CharField()
    months = serializers.ListField(child=serializers.CharField())
    total = serializers.IntegerField()


class KasCategoryTotalSerializer(serializers.Serializer[Any]):
    category = serializers.CharField()
    name = serializers.CharField()
    total = serializers.IntegerField()


class KasReportSerializer(serializers.Serializer[Any]):
    month = serializers.CharField()
    opening = serializers.IntegerField()
    income_total = serializers.IntegerField()
    expense_total = serializers.IntegerField()
    closing = serializers.IntegerField()
    closing_cash = serializers.IntegerField()
    closing_digital = serializers.IntegerField()
    income_by_category = KasCategoryTotalSerializer(many=True)
    incomes = CashEntrySerializer(many=True)
    expenses = CashEntrySerializer(many=True)
    iuran_total = serializers.IntegerField()
    iuran_paid_households = serializers.ListField(child=serializers.CharField())
    iuran_unpaid_count = serializers.IntegerField()
    households = serializers.IntegerField()


class KasTreasurerInput(serializers.Serializer[Any]):
    user = serializers.IntegerField(help_text=_("ID pengguna bendahara baru."))


class ArisanMemberSerializer(serializers.ModelSerializer[ArisanMember]):
    name = serializers.CharField(source="user.__str__", read_only=True)
    user_id = serializers.IntegerField(read_only=True)

    class Meta:
        model = ArisanMember
        fields = ["id", "user_id", "name", "position", "joined_at"]


# What ArisanRoundSerializer.paid_members reads, for several rounds at once.
PAID_CONTRIBUTIONS = Prefetch(
    "contributions",
    queryset=ArisanContribution.objects.filter(status=ArisanContribution.Status.PAID),
    to_attr="paid_contributions",
)


class ArisanPayoutChoiceInput(serializers.Serializer[Any]):
    as_voucher = serializers.BooleanField(help_text="true: dibayarkan sebagai voucher UMKM; false: uang ke dompet")


class ArisanRoundSerializer(serializers.ModelSerializer[ArisanRound]):
    winner = serializers.IntegerField(source="winner_id", read_only=True)
    winner_name = serializers.CharField(source="winner.user.__str__", read_only=True)
    paid_members = serializers.SerializerMethodField()

    class Meta:
        model = ArisanRound
        fields = [
            "id",
            "number",
            "due_date",
            "winner",
            "winner_name",
            "amount",
            "status",
            "paid_members",
            "paid_out_at",
            "payout_as_voucher",
        ]

    def get_paid_members(self, obj: ArisanRound) -> list[int]:
        prefetched = getattr(obj, "paid_contributions", None)  # PAID_CONTRIBUTIONS
        if prefetched is not None:
            return [c.member_id for c in prefetched]
        return list(obj.contributions.filter(status=ArisanContribution.Status.PAID).values_list("member_id", flat=True))


class ArisanGroupSerializer(serializers.ModelSerializer[ArisanGroup]):
    rt = serializers.CharField(source="rt.__str__", read_only=True, default=None)
    organiser = serializers.CharField(source="organiser.__str__", read_only=True)
    seed = serializers.CharField(source="public_seed", read_only=True, help_text=_("Kosong sampai undian."))
    members = ArisanMemberSerializer(many=True, read_only=True)
    pool_balance = serializers.IntegerField(source="pool_account.balance", read_only=True)

    class Meta:
        model = ArisanGroup
        fields = [
            "id",
            "name",
            "rt",
            "organiser",
            "contribution",
            "period",
            "draw_method",
            "start_date",
            "status",
            "seed_commitment",
            "seed",
            "committed_at",
            "drawn_at",
            "pool_balance",
            "members",
        ]


class ArisanGroupInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    contribution = serializers.CharField()
    period = serializers.ChoiceField(choices=ArisanGroup.Period.choices)
    draw_method = serializers.ChoiceField(choices=ArisanGroup.DrawMethod.choices)
    start_date = serializers.DateField()
    rt_scoped = serializers.BooleanField(default=False, help_text=_("Khusus warga RT pembuat."))


class ArisanMemberInput(serializers.Serializer[Any]):
    user = serializers.IntegerField(help_text=_("ID pengguna."))


class ArisanOrderInput(serializers.Serializer[Any]):
    order = serializers.ListField(child=serializers.IntegerField(), help_text=_("ID anggota, putaran 1 dulu."))


class ArisanVerificationSerializer(serializers.Serializer[Any]):
    commitment = serializers.CharField()
    seed = serializers.CharField()
    member_ids = serializers.ListField(child=serializers.IntegerField())
    published_order = serializers.ListField(child=serializers.IntegerField())
    expected_order = serializers.ListField(child=serializers.IntegerField())
    commitment_ok = serializers.BooleanField()
    order_ok = serializers.BooleanField()
    ok = serializers.BooleanField()


class ArisanContributeInput(serializers.Serializer[Any]):
    method = serializers.ChoiceField(choices=ArisanContribution.Method.choices, default="wallet")
    member = serializers.IntegerField(required=False, help_text=_("ID anggota (penyelenggara menalangi)."))


class ArisanContributionSerializer(serializers.ModelSerializer[ArisanContribution]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    round = serializers.IntegerField(source="round.number", read_only=True)
    member = serializers.IntegerField(source="member_id", read_only=True)
    order_id = serializers.CharField(source="charge.order_id", read_only=True, default=None)
    qr_string = serializers.SerializerMethodField()

    class Meta:
        model = ArisanContribution
        fields = ["id", "round", "member", "amount", "method", "status", "order_id", "qr_string", "paid_at"]

    def get_qr_string(self, obj: ArisanContribution) -> str | None:
        if obj.status != ArisanContribution.Status.PENDING or obj.charge is None:
            return None
        return obj.charge.qr_string
