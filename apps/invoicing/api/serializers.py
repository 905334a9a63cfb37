"""Serializers of the invoicing API (read shapes and the create/pay inputs)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import Invoice, InvoiceLine
from ..rules import DEFAULT_TERMS_DAYS, MAX_TERMS_DAYS


class InvoiceLineSerializer(serializers.ModelSerializer[InvoiceLine]):
    class Meta:
        model = InvoiceLine
        fields = ["position", "description", "quantity", "unit", "unit_price", "amount"]


class InvoiceSerializer(serializers.ModelSerializer[Invoice]):
    shop = serializers.CharField(source="shop.name", read_only=True)
    remaining = serializers.IntegerField(read_only=True)
    lines = InvoiceLineSerializer(many=True, read_only=True)
    payment_request = serializers.UUIDField(source="open_request.public_id", read_only=True, allow_null=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "number",
            "shop",
            "source",
            "buyer_name",
            "buyer_address",
            "buyer_is_office",
            "buyer_opd",
            "issue_date",
            "terms_days",
            "due_date",
            "subtotal",
            "tax_percent",
            "tax",
            "total",
            "amount_paid",
            "remaining",
            "status",
            "status_reason",
            "disputed",
            "payment_request",
            "lines",
        ]
        read_only_fields = fields


class InvoiceLineInputSerializer(serializers.Serializer[dict[str, object]]):
    description = serializers.CharField(max_length=255)
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0)
    unit = serializers.CharField(max_length=30, required=False, default="unit")
    unit_price = serializers.IntegerField(min_value=0)


class InvoiceCreateSerializer(serializers.Serializer[dict[str, object]]):
    # Empty with `buyer_opd`: the OPD's name is used.
    buyer_name = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    buyer_address = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    buyer_username = serializers.CharField(max_length=150, required=False, default="", allow_blank=True)
    # The code of an OPD of the kota (reports.Opd here): the kota's staff see it in Faktur masuk.
    buyer_opd = serializers.CharField(max_length=32, required=False, default="", allow_blank=True)
    terms_days = serializers.IntegerField(min_value=0, max_value=MAX_TERMS_DAYS, default=DEFAULT_TERMS_DAYS)
    notes = serializers.CharField(max_length=2000, required=False, default="", allow_blank=True)
    lines = InvoiceLineInputSerializer(many=True)


class InvoicePayInputSerializer(serializers.Serializer[dict[str, object]]):
    amount = serializers.IntegerField(min_value=1, required=False, allow_null=True, default=None)


class InvoiceReasonInputSerializer(serializers.Serializer[dict[str, object]]):
    reason = serializers.CharField(max_length=2000)


class InvoiceBillSerializer(serializers.Serializer[Any]):
    public_id = serializers.UUIDField()
    bill_number = serializers.CharField()
    amount = serializers.IntegerField()
    qris_payload = serializers.CharField()
    status = serializers.CharField()
