"""Reusable reads of apps.lending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, F, Max, Q, QuerySet, Sum
from django.utils import timezone

from apps.accounts.models import User

from .features import RepaymentRecord
from .models import Application, ApplicationStatus, Instalment, Lender, Loan, LoanStatus, Offer, OfferStatus

BUCKETS = ("1-30", "31-60", "61-90", "90+")


def repayment_records(
    user_ids: Iterable[int] | None = None, as_of: dt.date | None = None
) -> dict[int, RepaymentRecord]:
    """Each borrower's repayment history up to `as_of` (all lenders of this tenant), keyed by
    user id: loans closed / written off, instalments paid, paid late, worst days past due."""
    as_of = as_of or timezone.localdate()
    loans = Loan.objects.filter(disbursed_on__lte=as_of)
    if user_ids is not None:
        loans = loans.filter(borrower_id__in=list(user_ids))
    per_loan = loans.values("borrower_id").annotate(
        closed=Count("id", filter=Q(status=LoanStatus.CLOSED, closed_on__lte=as_of)),
        written_off=Count("id", filter=Q(status=LoanStatus.WRITTEN_OFF, closed_on__lte=as_of)),
        worst=Max("max_days_past_due"),
    )
    paid = (
        Instalment.objects.filter(loan__in=loans, paid_on__isnull=False, paid_on__lte=as_of, principal__gt=0)
        .values("loan__borrower_id")
        .annotate(n=Count("id"), late=Count("id", filter=Q(paid_on__gt=F("due_date"))))
    )
    paid_by = {row["loan__borrower_id"]: (row["n"], row["late"]) for row in paid}
    out: dict[int, RepaymentRecord] = {}
    for row in per_loan:
        n, late = paid_by.get(row["borrower_id"], (0, 0))
        out[row["borrower_id"]] = RepaymentRecord(
            loans_closed=row["closed"],
            loans_written_off=row["written_off"],
            instalments_paid=n,
            instalments_paid_late=late,
            max_days_past_due=row["worst"] or 0,
        )
    return out


def lenders_of(officer: User) -> QuerySet[Lender]:
    return Lender.objects.filter(officers=officer, is_active=True)


def open_offers(user: User, as_of: dt.date | None = None) -> QuerySet[Offer]:
    as_of = as_of or timezone.localdate()
    return Offer.objects.filter(applicant=user, status=OfferStatus.OPEN, expires_on__gte=as_of).select_related(
        "lender", "product", "assessment"
    )


def applications_of(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related("lender", "product")


def loans_of(user: User) -> QuerySet[Loan]:
    return Loan.objects.filter(borrower=user).select_related("lender", "product")


def queue(lenders: QuerySet[Lender]) -> QuerySet[Application]:
    return (
        Application.objects.filter(
            lender__in=lenders, status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.APPROVED]
        )
        .select_related("applicant", "lender", "product", "assessment")
        .order_by("created_at")
    )


@dataclass(frozen=True)
class Portfolio:
    active_loans: int
    outstanding: int
    buckets: dict[str, tuple[int, int]]  # bucket -> (loans, rupiah outstanding)
    at_risk: int  # outstanding of loans with any arrears
    par30: float  # share of the outstanding more than 30 days past due
    written_off: int
    recovered: int


def portfolio(lenders: QuerySet[Lender]) -> Portfolio:
    """Outstanding principal by delinquency bucket and PAR (portfolio at risk > 30 days)."""
    active = Loan.objects.filter(lender__in=lenders, status=LoanStatus.ACTIVE)
    total = active.aggregate(n=Count("id"), s=Sum("principal_outstanding"))
    rows = active.exclude(bucket="0").values("bucket").annotate(n=Count("id"), s=Sum("principal_outstanding"))
    buckets = dict.fromkeys(BUCKETS, (0, 0))
    for row in rows:
        buckets[row["bucket"]] = (row["n"], row["s"] or 0)
    outstanding = total["s"] or 0
    at_risk = sum(s for _n, s in buckets.values())
    over30 = sum(buckets[b][1] for b in ("31-60", "61-90", "90+"))
    losses = Loan.objects.filter(lender__in=lenders, status=LoanStatus.WRITTEN_OFF).aggregate(
        w=Sum("written_off_amount"), r=Sum("recovered_amount")
    )
    return Portfolio(
        active_loans=total["n"] or 0,
        outstanding=outstanding,
        buckets=buckets,
        at_risk=at_risk,
        par30=(over30 / outstanding) if outstanding else 0.0,
        written_off=losses["w"] or 0,
        recovered=losses["r"] or 0,
    )
