from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.invoicing.models import InvoiceEvent

from .. import selectors
from ..models import FactoringProduct, FeeBasis, Financing


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


class FinancingEventSerializer(serializers.Serializer[Any]):
    """One step of the financed invoice's history (issue, bills, views, disputes, factoring)."""

    at = serializers.DateTimeField(source="created_at")
    action = serializers.CharField()
    action_label = serializers.CharField(source="get_action_display")
    amount = serializers.SerializerMethodField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    details = serializers.SerializerMethodField()

    def get_amount(self, event: InvoiceEvent) -> int | None:
        value = (event.data or {}).get("amount")
        return int(value) if isinstance(value, int) else None

    def get_details(self, event: InvoiceEvent) -> dict[str, int]:
        """The money of a factoring step: principal, fee, MDR, seller's part, recourse, outstanding."""
        data = event.data or {}
        return {name: int(data[name]) for name in EVENT_MONEY if isinstance(data.get(name), int)}


EVENT_MONEY = ("principal", "fee", "mdr", "mdr_rebate", "seller", "recourse", "outstanding")


class FinancingDetailSerializer(FinancingSerializer):
    events = serializers.SerializerMethodField(help_text="The financed invoice's history, oldest first")

    @extend_schema_field(FinancingEventSerializer(many=True))
    def get_events(self, financing: Financing) -> list[Any]:
        return list(FinancingEventSerializer(selectors.timeline(financing), many=True).data)

    class Meta(FinancingSerializer.Meta):
        fields = [*FinancingSerializer.Meta.fields, "events"]
        read_only_fields = fields


class FactoringBuyerSerializer(serializers.Serializer[Any]):
    buyer_key = serializers.CharField()
    buyer = serializers.CharField()
    count = serializers.IntegerField(source="n")
    advance = serializers.IntegerField()
    repaid = serializers.IntegerField()
    recourse = serializers.IntegerField()
    outstanding = serializers.IntegerField()
    avg_days_late = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False)


class FactoringAgeingRowSerializer(serializers.Serializer[Any]):
    bucket = serializers.ChoiceField(
        choices=["current", "d30", "d60", "d90", "over90"],
        help_text="current: not yet due; d30: 1–30 days past due; d60: 31–60; d90: 61–90; over90: more than 90",
    )
    count = serializers.IntegerField()
    outstanding = serializers.IntegerField()


class FactoringAgeingSerializer(serializers.Serializer[Any]):
    as_of = serializers.DateField()
    buckets = FactoringAgeingRowSerializer(many=True)


class FinancingRecourseInput(serializers.Serializer[dict[str, object]]):
    amount = serializers.IntegerField(
        required=False, min_value=1, help_text="Rupiah to take at most (default: all of the advance still out)"
    )


class FinancingRecourseSerializer(serializers.Serializer[Any]):
    taken = serializers.IntegerField()
    financing = FinancingSerializer()


class FactoringProductSerializer(serializers.ModelSerializer[FactoringProduct]):
    lender_name = serializers.CharField(source="lender.name", read_only=True)

    class Meta:
        model = FactoringProduct
        fields = [
            "id",
            "lender",
            "lender_name",
            "name",
            "advance_percent",
            "fee_basis",
            "fee_bp",
            "limit_per_seller",
            "limit_per_buyer",
            "grace_days",
            "is_active",
            "created_at",
        ]
        read_only_fields = fields


class FactoringTermsInput(serializers.Serializer[dict[str, object]]):
    """Terms a lender sets (checked again by the service: advance 50–100%, fee ≤ 2000 bp flat or
    ≤ 50 bp per day, limits Rp1 – Rp100 miliar, grace 0–180 days)."""

    advance_percent = serializers.IntegerField(help_text="Maximum advance, % of the invoice (50–100)")
    fee_basis = serializers.ChoiceField(choices=FeeBasis.choices)
    fee_bp = serializers.IntegerField(help_text="Basis points: of the face once (flat) or of the advance per day")
    limit_per_seller = serializers.IntegerField(help_text="Rupiah of advances out per UMKM")
    limit_per_buyer = serializers.IntegerField(help_text="Rupiah of advances out per buyer")
    grace_days = serializers.IntegerField(default=30, help_text="Days after the due date before default")
    is_active = serializers.BooleanField(default=True)


class FactoringProductInput(FactoringTermsInput):
    lender = serializers.IntegerField(required=False, help_text="Lender id (default: your only lender)")
    name = serializers.CharField(max_length=120)
