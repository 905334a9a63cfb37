"""Staff views of lending. Money and status rows are read-only here: they change only through
the services (the audit trail and the ledger depend on it)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from apps.core.admin import PairThroughAdmin, ReadOnlyAdmin

from .models import (
    Application,
    CreditAssessment,
    CreditModelVersion,
    Instalment,
    Lender,
    Loan,
    LoanEvent,
    LoanProduct,
    LoanTransaction,
    Offer,
)


@admin.register(Lender)
class LenderAdmin(PairThroughAdmin, ReadOnlyAdmin):
    list_display = ["name", "kind", "is_active", "receivable_account", "income_account", "loss_account"]
    filter_horizontal = ["officers"]


@admin.register(LoanProduct)
class LoanProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "lender", "interest_method", "amortization", "annual_rate", "min_amount", "max_amount"]
    list_filter = ["lender", "interest_method", "is_active"]


@admin.register(CreditModelVersion)
class CreditModelVersionAdmin(ReadOnlyAdmin):
    list_display = ["version", "lender", "kind", "n_rows", "n_defaults", "is_active", "created_at"]
    list_filter = ["lender", "kind", "is_active"]
    exclude = ["model_json"]


@admin.register(CreditAssessment)
class CreditAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["applicant", "lender", "as_of", "method", "band", "pd", "score"]
    list_filter = ["lender", "method", "band"]


@admin.register(Offer)
class OfferAdmin(ReadOnlyAdmin):
    list_display = ["applicant", "lender", "limit", "tenor_months", "annual_rate", "status", "expires_on"]
    list_filter = ["lender", "status"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["pk", "applicant", "lender", "amount", "tenor_months", "status", "decided_by", "created_at"]
    list_filter = ["lender", "status"]


class InstalmentInline(admin.TabularInline[Instalment, Loan]):
    model = Instalment
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ["pk", "borrower", "lender", "principal", "principal_outstanding", "status", "bucket"]
    list_filter = ["lender", "status", "bucket"]
    inlines = [InstalmentInline]


@admin.register(LoanTransaction)
class LoanTransactionAdmin(ReadOnlyAdmin):
    list_display = ["pk", "loan", "kind", "on_date", "amount", "principal", "interest", "penalty"]
    list_filter = ["kind"]


@admin.register(LoanEvent)
class LoanEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "lender_id", "kind", "actor", "application_id", "loan_id", "message"]
    list_filter = ["action"]
