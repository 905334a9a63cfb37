"""Serializers of the lending partner API."""

from __future__ import annotations

from decimal import Decimal

from rest_framework import serializers

from ..models import Application, CreditAssessment, Instalment, Loan, LoanProduct, LoanTransaction


class ProductSerializer(serializers.ModelSerializer[LoanProduct]):
    lender = serializers.CharField(source="lender.name", read_only=True)

    class Meta:
        model = LoanProduct
        fields = [
            "id",
            "lender",
            "name",
            "interest_method",
            "amortization",
            "min_amount",
            "max_amount",
            "min_tenor_months",
            "max_tenor_months",
            "annual_rate",
            "disbursement_fee_amount",
            "disbursement_fee_percent",
            "grace_principal_months",
            "grace_interest_months",
            "penalty_percent",
            "penalty_grace_days",
            "allow_partial_debit",
            "is_active",
        ]
        read_only_fields = ["id", "lender", "is_active"]


class ProductInput(serializers.Serializer[dict[str, object]]):
    lender = serializers.IntegerField(required=False, help_text="Lender id (default: your only lender)")
    name = serializers.CharField(max_length=120)
    interest_method = serializers.ChoiceField(["FLAT", "DECLINING_BALANCE"], default="DECLINING_BALANCE")
    amortization = serializers.ChoiceField(["EQUAL_INSTALLMENTS", "EQUAL_PRINCIPAL"], default="EQUAL_INSTALLMENTS")
    min_amount = serializers.IntegerField()
    max_amount = serializers.IntegerField()
    min_tenor_months = serializers.IntegerField()
    max_tenor_months = serializers.IntegerField()
    annual_rate = serializers.DecimalField(max_digits=7, decimal_places=4)
    disbursement_fee_amount = serializers.IntegerField(default=0)
    disbursement_fee_percent = serializers.DecimalField(max_digits=6, decimal_places=4, default=Decimal(0))
    grace_principal_months = serializers.IntegerField(default=0)
    grace_interest_months = serializers.IntegerField(default=0)
    penalty_percent = serializers.DecimalField(max_digits=6, decimal_places=4, default=Decimal(0))
    penalty_grace_days = serializers.IntegerField(default=3)
    allow_partial_debit = serializers.BooleanField(default=True)


class AssessmentSerializer(serializers.ModelSerializer[CreditAssessment]):
    model_version = serializers.CharField(source="model_version.version", default=None, read_only=True)

    class Meta:
        model = CreditAssessment
        fields = [
            "id",
            "as_of",
            "method",
            "model_version",
            "pd",
            "band",
            "score",
            "contributions",
            "reasons",
            "note",
            "features",
        ]


class ApplicationSerializer(serializers.ModelSerializer[Application]):
    applicant = serializers.CharField(source="applicant.username", read_only=True)
    lender = serializers.CharField(source="lender.name", read_only=True)
    assessment = AssessmentSerializer(read_only=True)
    loan = serializers.IntegerField(source="loan.pk", default=None, read_only=True)

    class Meta:
        model = Application
        fields = [
            "id",
            "lender",
            "product",
            "applicant",
            "offer",
            "amount",
            "tenor_months",
            "annual_rate",
            "purpose",
            "status",
            "decided_by",
            "decided_at",
            "decision_reason",
            "created_at",
            "assessment",
            "loan",
        ]


class DecisionInput(serializers.Serializer[dict[str, object]]):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    disburse = serializers.BooleanField(default=True, help_text="approve: disburse into the wallet at once")


class LoanSerializer(serializers.ModelSerializer[Loan]):
    borrower = serializers.CharField(source="borrower.username", read_only=True)

    class Meta:
        model = Loan
        fields = [
            "id",
            "application",
            "product",
            "borrower",
            "principal",
            "annual_rate",
            "tenor_months",
            "interest_method",
            "amortization",
            "disbursement_fee",
            "disbursed_on",
            "status",
            "standing_instruction",
            "principal_outstanding",
            "days_past_due",
            "bucket",
            "max_days_past_due",
            "written_off_amount",
            "recovered_amount",
            "closed_on",
        ]


class InstalmentSerializer(serializers.ModelSerializer[Instalment]):
    class Meta:
        model = Instalment
        fields = [
            "number",
            "due_date",
            "principal",
            "interest",
            "fee",
            "penalty",
            "paid_principal",
            "paid_interest",
            "paid_fee",
            "paid_penalty",
            "paid_on",
        ]


class TransactionSerializer(serializers.ModelSerializer[LoanTransaction]):
    class Meta:
        model = LoanTransaction
        fields = ["id", "kind", "on_date", "amount", "principal", "interest", "fee", "penalty", "prepaid", "created_at"]


class AmountInput(serializers.Serializer[dict[str, object]]):
    amount = serializers.IntegerField()


class ReasonInput(serializers.Serializer[dict[str, object]]):
    reason = serializers.CharField(max_length=255, allow_blank=True)
