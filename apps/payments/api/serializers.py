"""KotaKitaPay API shapes. Money is integer rupiah; ids are public UUIDs (never row ids)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.payments.models import (
    Account,
    GatewayCharge,
    JournalEntry,
    PaymentRequest,
    Posting,
    ReconciliationMismatch,
    ReconciliationRun,
)
from apps.payments.services import DEFAULT_MAX_AMOUNT


class AccountSerializer(serializers.ModelSerializer[Account]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = Account
        fields = ["id", "kind", "name", "balance", "is_active", "nmid", "qris_payload", "created_at"]
        read_only_fields = fields


class StatementLineSerializer(serializers.ModelSerializer[Posting]):
    entry = serializers.UUIDField(source="entry.public_id", read_only=True)
    kind = serializers.CharField(source="entry.kind", read_only=True)
    description = serializers.CharField(source="entry.description", read_only=True)
    reference = serializers.CharField(source="entry.reference", read_only=True)

    class Meta:
        model = Posting
        fields = ["entry", "kind", "description", "reference", "amount", "balance_after", "created_at"]
        read_only_fields = fields


class EntrySerializer(serializers.ModelSerializer[JournalEntry]):
    """An entry as its requester sees it: only the postings on the requester's own accounts
    (with balances); the counterparty's balance is never shown."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    reverses = serializers.UUIDField(source="reverses.public_id", read_only=True, default=None)
    my_postings = serializers.SerializerMethodField()

    class Meta:
        model = JournalEntry
        fields = ["id", "kind", "amount", "fee", "description", "reference", "reverses", "created_at", "my_postings"]
        read_only_fields = fields

    def get_my_postings(self, obj: JournalEntry) -> list[dict[str, Any]]:
        user = self.context.get("user")
        rows = obj.postings.select_related("account").filter(account__owner=user) if user else []
        return [
            {"account": str(p.account.public_id), "amount": p.amount, "balance_after": p.balance_after} for p in rows
        ]


class PaymentRequestSerializer(serializers.ModelSerializer[PaymentRequest]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    merchant_account = serializers.UUIDField(source="merchant.public_id", read_only=True)
    merchant_name = serializers.CharField(source="merchant.name", read_only=True)
    paid_entry = serializers.UUIDField(source="paid_entry.public_id", read_only=True, default=None)

    class Meta:
        model = PaymentRequest
        fields = [
            "id",
            "merchant_account",
            "merchant_name",
            "amount",
            "description",
            "reference",
            "bill_number",
            "qris_payload",
            "status",
            "paid_method",
            "paid_entry",
            "paid_at",
            "refunded_amount",
            "created_at",
        ]
        read_only_fields = fields


class ChargeSerializer(serializers.ModelSerializer[GatewayCharge]):
    id = serializers.UUIDField(source="public_id", read_only=True)

    class Meta:
        model = GatewayCharge
        fields = ["id", "order_id", "gateway", "purpose", "gross_amount", "status", "qr_string", "created_at"]
        read_only_fields = fields


class MismatchSerializer(serializers.ModelSerializer[ReconciliationMismatch]):
    class Meta:
        model = ReconciliationMismatch
        fields = ["kind", "reference", "expected", "actual", "detail"]
        read_only_fields = fields


class ReconciliationRunSerializer(serializers.ModelSerializer[ReconciliationRun]):
    mismatches = MismatchSerializer(many=True, read_only=True)

    class Meta:
        model = ReconciliationRun
        fields = [
            "id",
            "started_at",
            "finished_at",
            "status",
            "triggered_by",
            "entries_checked",
            "accounts_checked",
            "charges_checked",
            "mismatch_count",
            "mismatches",
        ]
        read_only_fields = fields


# --- inputs: loose types on purpose, the services answer bad values with 422 ---------------


@extend_schema_field(
    {
        # What services.clean_amount accepts: whole rupiah > 0 up to the per-transaction limit,
        # as a JSON number or a string of digits (form posts). The service also reads "25.000" and
        # "Rp25.000,00" (apps.core.money.parse_rupiah); the schema shows the plain form only.
        "oneOf": [
            {
                "type": "integer",
                "minimum": 1,
                "maximum": getattr(settings, "PAYMENTS_MAX_AMOUNT", DEFAULT_MAX_AMOUNT),
            },
            {"type": "string", "pattern": "^[0-9]*[1-9][0-9]*$", "maxLength": 15},
        ],
        "description": "Rupiah, bilangan bulat > 0",
    }
)
class AmountField(serializers.JSONField):
    """Passed through as sent: the service names the exact problem (422) of a bad amount."""


class TransferInput(serializers.Serializer[Any]):
    to_account = serializers.CharField(required=False, help_text=_("ID dompet penerima"))
    to_username = serializers.CharField(required=False, help_text=_("atau nama pengguna penerima"))
    amount = AmountField(help_text=_("rupiah, bilangan bulat > 0"))
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class PayInput(serializers.Serializer[Any]):
    merchant_account = serializers.CharField()
    amount = AmountField()
    reference = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class RefundInput(serializers.Serializer[Any]):
    entry = serializers.CharField(help_text=_("ID jurnal pembayaran"))
    amount = AmountField()
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)


class PayoutInput(serializers.Serializer[Any]):
    merchant_account = serializers.CharField()
    amount = AmountField()
    destination = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)


class TopUpInput(serializers.Serializer[Any]):
    amount = AmountField()


class MerchantInput(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=100)
    mcc = serializers.CharField(required=False, default="5499", max_length=4)


class PaymentRequestInput(serializers.Serializer[Any]):
    merchant_account = serializers.CharField()
    amount = AmountField()
    description = serializers.CharField(required=False, default="", allow_blank=True, max_length=255)
    reference = serializers.CharField(required=False, default="", allow_blank=True, max_length=100)


class ScanInput(serializers.Serializer[Any]):
    # EMVCo caps a payload at 512 characters; a longer one is refused before parsing.
    payload = serializers.CharField(max_length=512, help_text=_("Isi kode QRIS yang dipindai atau ditempel"))


class PayRequestInput(serializers.Serializer[Any]):
    method = serializers.CharField(help_text=_("wallet, qris atau cod"))


class RequestRefundInput(serializers.Serializer[Any]):
    amount = AmountField()
    reason = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
