"""Reusable reads of apps.lending."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Aggregate, Count, F, Max, Prefetch, Q, QuerySet, Sum, prefetch_related_objects
from django.utils import timezone

from apps.accounts.models import User

from .features import RepaymentRecord
from .models import (
    Application,
    ApplicationStatus,
    CreditModelVersion,
    Instalment,
    Lender,
    Loan,
    LoanStatus,
    Offer,
    OfferStatus,
)

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


def active_versions(lenders: QuerySet[Lender]) -> list[tuple[Lender, CreditModelVersion | None]]:
    """Each lender with its active credit model version (the newest), in one read for all."""
    listed = list(lenders)
    active = CreditModelVersion.objects.filter(is_active=True).order_by("-id")
    prefetch_related_objects(listed, Prefetch("model_versions", queryset=active, to_attr="active_versions"))
    return [(lender, next(iter(lender.active_versions), None)) for lender in listed]  # type: ignore[attr-defined]


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
    """Outstanding principal by delinquency bucket and PAR (portfolio at risk > 30 days), read
    in one pass over the lenders' loans (conditional sums, one pair per bucket)."""
    active = Q(status=LoanStatus.ACTIVE)
    per_bucket: dict[str, Aggregate] = {}
    for i, bucket in enumerate(BUCKETS):
        in_bucket = active & Q(bucket=bucket)
        per_bucket[f"n{i}"] = Count("id", filter=in_bucket)
        per_bucket[f"s{i}"] = Sum("principal_outstanding", filter=in_bucket)
    figures = Loan.objects.filter(lender__in=lenders).aggregate(
        n=Count("id", filter=active),
        s=Sum("principal_outstanding", filter=active),
        w=Sum("written_off_amount", filter=Q(status=LoanStatus.WRITTEN_OFF)),
        r=Sum("recovered_amount", filter=Q(status=LoanStatus.WRITTEN_OFF)),
        **per_bucket,
    )
    buckets = {b: (figures[f"n{i}"], figures[f"s{i}"] or 0) for i, b in enumerate(BUCKETS)}
    outstanding = figures["s"] or 0
    at_risk = sum(s for _n, s in buckets.values())
    over30 = sum(buckets[b][1] for b in ("31-60", "61-90", "90+"))
    return Portfolio(
        active_loans=figures["n"] or 0,
        outstanding=outstanding,
        buckets=buckets,
        at_risk=at_risk,
        par30=(over30 / outstanding) if outstanding else 0.0,
        written_off=figures["w"] or 0,
        recovered=figures["r"] or 0,
    )
