from __future__ import annotations

from rest_framework import serializers

from ..models import Financing


class FinancingSerializer(serializers.ModelSerializer[Financing]):
    invoice_number = serializers.CharField(source="invoice.number", read_only=True)
    invoice_due_date = serializers.DateField(source="invoice.due_date", read_only=True)
    lender = serializers.CharField(source="product.lender.name", read_only=True)
    product = serializers.CharField(source="product.name", read_only=True)
    outstanding = serializers.IntegerField(read_only=True)

    class Meta:
        model = Financing
        fields = [
            "id",
            "invoice_id",
            "invoice_number",
            "invoice_due_date",
            "lender",
            "product",
            "buyer_name",
            "face",
            "advance_percent",
            "advance",
            "fee_basis",
            "fee_bp",
            "fee",
            "fee_fixed",
            "repaid",
            "fee_paid",
            "recourse",
            "outstanding",
            "score_band",
            "buyer_days_to_pay",
            "status",
            "accepted_at",
            "default_on",
            "defaulted_at",
            "settled_at",
        ]
        read_only_fields = fields
