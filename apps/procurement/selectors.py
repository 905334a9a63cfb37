"""Reads of procurement: supplier eligibility (from apps.permits), what each person may see,
the quotes comparison and the public list of awards.

Eligibility reads apps.permits' issued permits through that app's public selector
(`apps.permits.selectors.issued_permits`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.permits import selectors as permit_selectors

from . import policy, rules, workflow
from .models import Award, Evaluation, ProcurementEvent, PurchaseRequest, Quote, QuoteScore, RequestItem


class PermitsUnavailable(DomainError):
    """apps.permits (izin usaha mikro) cannot be read: eligibility cannot be decided."""

    status_code = 503
    code = "permits_unavailable"


# --- eligibility --------------------------------------------------------------------------


@dataclass(frozen=True)
class Eligibility:
    """The issued permit that makes a UMKM eligible for a request."""

    permit_id: int
    number: str
    business_name: str
    kbli_code: str


def issued_permits() -> QuerySet[Any]:
    """Issued, not revoked izin usaha mikro of this tenant (apps.permits' public selector)."""
    return permit_selectors.issued_permits()


def request_divisions(purchase: PurchaseRequest) -> frozenset[str]:
    """The KBLI divisions (2 digits) the request's items name; empty when none does."""
    codes = RequestItem.objects.filter(request=purchase).values_list("kbli_code", flat=True)
    return rules.divisions(codes)


def _matching(permits: QuerySet[Any], wanted: Iterable[str]) -> QuerySet[Any]:
    wanted = sorted(set(wanted))
    if not wanted:
        return permits
    return permits.filter(reduce(or_, (Q(kbli_code__startswith=division) for division in wanted)))


def eligibility(user: Any, purchase: PurchaseRequest) -> Eligibility | None:
    """The permit that lets `user` quote on `purchase`, or None.

    Eligible = role pemilik_umkm AND an issued, not revoked izin usaha mikro of theirs whose
    KBLI division (first two digits) is one of the request's item categories; a request
    without categories is open to every such verified UMKM.
    """
    if not policy.is_supplier(user):
        return None
    permits = _matching(issued_permits().filter(applicant_id=user.pk), request_divisions(purchase))
    permit = permits.order_by("-issued_at", "-pk").first()
    if permit is None:
        return None
    return Eligibility(permit.pk, permit.number or "", permit.business_name, permit.kbli_code)


def eligible_suppliers(purchase: PurchaseRequest) -> list[User]:
    """Every active pemilik_umkm who may quote on `purchase` (whom its publication notifies)."""
    permits = _matching(issued_permits(), request_divisions(purchase))
    return list(
        User.objects.filter(is_active=True, groups__name=policy.SUPPLIER_ROLE, pk__in=permits.values("applicant_id"))
        .exclude(pk=purchase.requested_by_id)
        .distinct()
        .order_by("pk")
    )


def refusal_for_ineligible(purchase: PurchaseRequest) -> str:
    wanted = sorted(request_divisions(purchase))
    if wanted:
        return _(
            "Anda belum dapat mengajukan penawaran: perlu izin usaha mikro yang sudah terbit (tidak dicabut) "
            "dengan KBLI golongan pokok %(divisions)s."
        ) % {"divisions": ", ".join(wanted)}
    return _("Anda belum dapat mengajukan penawaran: perlu izin usaha mikro yang sudah terbit (tidak dicabut).")


# --- what people see ----------------------------------------------------------------------


def visible_requests(user: Any) -> QuerySet[PurchaseRequest]:
    """Staff see every request; other signed-in people see published ones (never drafts)."""
    base = PurchaseRequest.objects.all()
    if not policy.is_signed_in(user):
        return base.none()
    if policy.is_staff(user):
        return base
    return base.exclude(status=workflow.DRAFT)


def open_requests(now: datetime | None = None) -> QuerySet[PurchaseRequest]:
    now = now or timezone.now()
    return PurchaseRequest.objects.filter(status=workflow.OPEN, quote_deadline__gt=now).order_by("quote_deadline")


def open_requests_for(user: Any, now: datetime | None = None) -> list[tuple[PurchaseRequest, Eligibility]]:
    """Open requests `user` may quote on now, earliest deadline first."""
    if not policy.is_supplier(user):
        return []
    mine = list(issued_permits().filter(applicant_id=user.pk).order_by("-issued_at", "-pk"))
    if not mine:
        return []
    found = []
    for purchase in open_requests(now).prefetch_related("items"):
        wanted = rules.divisions(item.kbli_code for item in purchase.items.all())
        permit = next((p for p in mine if rules.kbli_matches(p.kbli_code, wanted)), None)
        if permit is not None and purchase.requested_by_id != user.pk:
            found.append(
                (purchase, Eligibility(permit.pk, permit.number or "", permit.business_name, permit.kbli_code))
            )
    return found


def quotes_of(user: Any) -> QuerySet[Quote]:
    if not policy.is_signed_in(user):
        return Quote.objects.none()
    return Quote.objects.filter(supplier=user).select_related("request").order_by("-revised_at")


def quote_of(user: Any, purchase: PurchaseRequest) -> Quote | None:
    if not policy.is_signed_in(user):
        return None
    return Quote.objects.filter(request=purchase, supplier=user).prefetch_related("lines__item", "revisions").first()


def sealed(purchase: PurchaseRequest, now: datetime | None = None) -> bool:
    """Quotes stay sealed (prices hidden from staff) until the deadline passes."""
    return purchase.status in (workflow.DRAFT, workflow.OPEN) and not purchase.deadline_passed(now)


def quotes_for_staff(purchase: PurchaseRequest, now: datetime | None = None) -> QuerySet[Quote]:
    """All quotes of the request once the deadline has passed; none while they are sealed."""
    if sealed(purchase, now):
        return Quote.objects.none()
    return Quote.objects.filter(request=purchase).prefetch_related("lines__item").order_by("total", "revised_at", "pk")


def latest_evaluation(purchase: PurchaseRequest) -> Evaluation | None:
    return (
        Evaluation.objects.filter(request=purchase)
        .select_related("evaluator")
        .prefetch_related("scores")
        .order_by("-created_at", "-pk")
        .first()
    )


@dataclass(frozen=True)
class ComparisonRow:
    quote: Quote
    prices: list[int | None]  # per request item, in item order
    lowest: bool
    score: QuoteScore | None
    suggested_price_score: int


def comparison(purchase: PurchaseRequest, now: datetime | None = None) -> list[ComparisonRow]:
    """The quotes side by side (cheapest first) with the latest evaluation's scores."""
    quotes = list(quotes_for_staff(purchase, now))
    if not quotes:
        return []
    items = list(purchase.items.order_by("position"))
    evaluation = latest_evaluation(purchase)
    scores = {s.quote_id: s for s in evaluation.scores.all()} if evaluation else {}
    lowest = min(q.total for q in quotes)
    rows = []
    for quote in quotes:
        by_item = {line.item_id: line.unit_price for line in quote.lines.all()}
        rows.append(
            ComparisonRow(
                quote=quote,
                prices=[by_item.get(item.pk) for item in items],
                lowest=quote.total == lowest,
                score=scores.get(quote.pk),
                suggested_price_score=rules.suggested_price_score(quote.total, lowest),
            )
        )
    return rows


def events(purchase: PurchaseRequest) -> QuerySet[ProcurementEvent]:
    return ProcurementEvent.objects.filter(request=purchase).select_related("actor").order_by("created_at", "pk")


# --- transparency -------------------------------------------------------------------------


def public_awards() -> QuerySet[Award]:
    """Awards for the public page: no personal data is read beyond the business name."""
    return (
        Award.objects.filter(request__status__in=workflow.AWARDED_OR_LATER)
        .select_related("request", "quote")
        .annotate(item_count=Count("request__items", distinct=True))
        .order_by("-awarded_at", "-pk")
    )


# --- what a person may do now -------------------------------------------------------------


def winner_id(purchase: PurchaseRequest) -> int | None:
    award = Award.objects.filter(request=purchase).select_related("quote").first()
    return award.quote.supplier_id if award is not None else None


def can_quote(user: Any, purchase: PurchaseRequest, now: datetime | None = None) -> bool:
    """Whether `user` may submit or revise a quote on `purchase` now (False when permits are unreadable)."""
    if purchase.status != workflow.OPEN or purchase.deadline_passed(now) or not policy.is_supplier(user):
        return False
    if purchase.requested_by_id == user.pk:
        return False
    try:
        return eligibility(user, purchase) is not None
    except PermitsUnavailable:
        return False


def available_actions(purchase: PurchaseRequest, user: Any, now: datetime | None = None) -> list[str]:
    """The steps `user` may take on `purchase` now, in workflow order (what pages and the API offer)."""
    now = now or timezone.now()
    status = purchase.status
    actions: list[str] = []
    if policy.is_staff(user):
        impartial = not Quote.objects.filter(request=purchase, supplier=user).exists()
        if status == workflow.DRAFT:
            actions.append("publish")
        if impartial:
            if status in workflow.EVALUATE.sources and purchase.deadline_passed(now) and purchase.quotes.exists():
                actions.append("evaluate")
            if status == workflow.EVALUATED:
                actions.append("award")
            if status in workflow.CANCEL.sources:
                actions.append("cancel")
            if status == workflow.AWARDED:
                actions.append("order")
            if status == workflow.DELIVERED:
                actions.append("accept")
            if status == workflow.ACCEPTED:
                actions.append("pay")
        if status == workflow.ORDERED:
            actions.append("deliver")
    elif status == workflow.ORDERED and policy.is_signed_in(user) and winner_id(purchase) == user.pk:
        actions.append("deliver")
    if can_quote(user, purchase, now):
        actions.insert(0, "quote")
    return actions
