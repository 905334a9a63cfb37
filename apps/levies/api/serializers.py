"""Serializers of the levies API (read-only)."""

from __future__ import annotations

from rest_framework import serializers

from apps.payments.models import PaymentRequest

from ..models import LevyBill


class LevyBillSerializer(serializers.ModelSerializer[LevyBill]):
    """A bill of the kota's register (finance office only: it names the payer)."""

    levy_code = serializers.CharField(source="levy.code", read_only=True)
    levy_name = serializers.CharField(source="levy.name", read_only=True)
    amount_due = serializers.IntegerField(read_only=True)
    # Plain strings (open, paid, cancelled): a second "status" enum collides in the OpenAPI names.
    status = serializers.CharField(read_only=True)

    class Meta:
        model = LevyBill
        fields = [
            "id",
            "number",
            "levy_code",
            "levy_name",
            "period_label",
            "kelurahan_id",
            "payer_name",
            "payer_account",
            "object_address",
            "principal",
            "fine",
            "amount_due",
            "due_on",
            "status",
            "paid_at",
            "paid_amount",
            "channel",
            "created_at",
        ]
        read_only_fields = fields


class PayerBillSerializer(serializers.ModelSerializer[PaymentRequest]):
    """The payer's copy of a kota bill in their kelurahan (/tagihan/)."""

    id = serializers.UUIDField(source="public_id", read_only=True)
    number = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()
    status = serializers.CharField(read_only=True)

    class Meta:
        model = PaymentRequest
        fields = ["id", "number", "description", "amount", "due_on", "status", "paid_at", "url"]
        read_only_fields = fields

    def get_number(self, copy: PaymentRequest) -> str:
        return copy.reference.partition(":")[2]

    def get_url(self, copy: PaymentRequest) -> str:
        return f"/tagihan/{copy.public_id}/"
