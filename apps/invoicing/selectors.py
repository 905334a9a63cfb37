"""Reads of UMKM invoices: the seller's and the buyer's lists, the ageing report and the
cash-flow view (aggregate queries; a handful of queries whatever the number of invoices)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import CharField, Exists, F, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Cast, Concat

from apps.accounts.models import User
from apps.marketplace import services as marketplace
from apps.marketplace.models import Order
from apps.procurement.models import PurchaseOrder
from apps.tenancy.models import InvoiceRoute

from . import routes, rules, workflow
from .models import Invoice
from .services import is_office_staff


def sold_by(user: Any) -> QuerySet[Invoice]:
    """Invoices of the shops `user` owns."""
    if not getattr(user, "is_authenticated", False):
        return Invoice.objects.none()
    return Invoice.objects.filter(shop__owner=user).select_related("shop")


def addressed_to(user: Any) -> QuerySet[Invoice]:
    """Invoices `user` has to pay: addressed to them, or (office staff) to the kelurahan office."""
    if not getattr(user, "is_authenticated", False):
        return Invoice.objects.none()
    where = Q(buyer_user=user)
    if is_office_staff(user):
        where |= Q(buyer_is_office=True)
    return Invoice.objects.filter(where).select_related("shop")


def visible_to(user: Any) -> QuerySet[Invoice]:
    if not getattr(user, "is_authenticated", False):
        return Invoice.objects.none()
    where = Q(shop__owner=user) | Q(buyer_user=user)
    if is_office_staff(user):
        where |= Q(buyer_is_office=True)
    return Invoice.objects.filter(where).select_related("shop")


def opd_payment_history(invoice: Invoice, *, limit: int) -> list[tuple[date, Any]]:
    """(issued on, paid at) of the latest paid invoices to the OPD `invoice` is addressed to,
    from **every kelurahan** of its kota (the public routes), newest first. Empty for an
    invoice that is not addressed to an OPD."""
    kota = routes.kota_here()
    if not invoice.buyer_opd or kota is None:
        return []
    return list(
        InvoiceRoute.objects.filter(
            kota=kota, opd_code=invoice.buyer_opd, status=InvoiceRoute.Status.PAID, paid_at__isnull=False
        )
        .order_by("-paid_at")
        .values_list("issued_on", "paid_at")[:limit]
    )


@dataclass
class Bucket:
    key: str
    count: int = 0
    amount: int = 0


@dataclass
class Ageing:
    today: date
    buckets: list[Bucket] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(b.amount for b in self.buckets)

    @property
    def count(self) -> int:
        return sum(b.count for b in self.buckets)


def _open(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    return invoices.filter(status__in=workflow.OPEN).exclude(amount_paid__gte=F("total"))


def ageing(invoices: QuerySet[Invoice], today: date) -> Ageing:
    """What is still open, by days past due: current (not yet due), 1-30, 31-60, 61-90, >90."""
    report = Ageing(today=today, buckets=[Bucket(key) for key in rules.AGEING_BUCKETS])
    by_key = {b.key: b for b in report.buckets}
    rows = _open(invoices).values("due_date").annotate(open=Sum(F("total") - F("amount_paid")), n=Sum(1)).order_by()
    for row in rows:
        bucket = by_key[rules.ageing_bucket(row["due_date"], today)]
        bucket.count += int(row["n"])
        bucket.amount += int(row["open"])
    return report


@dataclass
class Week:
    start: date
    expected_in: int = 0
    expected_out: int = 0

    @property
    def end(self) -> date:
        return self.start + timedelta(days=6)

    @property
    def net(self) -> int:
        return self.expected_in - self.expected_out


def _by_week(invoices: QuerySet[Invoice], start: date, weeks: list[Week]) -> list[int]:
    out = [0] * len(weeks)
    last = start + timedelta(days=7 * len(weeks) - 1)
    rows = (
        _open(invoices)
        .filter(due_date__lte=last)
        .values("due_date")
        .annotate(open=Sum(F("total") - F("amount_paid")))
        .order_by()
    )
    for row in rows:
        out[rules.week_index(row["due_date"], start)] += int(row["open"])
    return out


def cash_flow(user: User, today: date, weeks: int = rules.CASH_FLOW_WEEKS) -> list[Week]:
    """Expected money per week for the next `weeks` weeks (starting today): in = what buyers
    still owe on the user's invoices by due date (overdue counts in the first week); out = what
    the user still owes on invoices addressed to them. Money not tied to an invoice (loan
    instalments, levies) is not in this view yet."""
    rows = [Week(start=today + timedelta(days=7 * n)) for n in range(weeks)]
    incoming = _by_week(sold_by(user), today, rows)
    outgoing = _by_week(Invoice.objects.filter(buyer_user=user), today, rows)
    for week, money_in, money_out in zip(rows, incoming, outgoing, strict=True):
        week.expected_in, week.expected_out = money_in, money_out
    return rows


# --- invoices a lost task never issued (apps.jobs repair) -----------------------------------------

# Source documents older than this are not looked at again: an accepted delivery whose supplier
# has no shop yields no invoice, and re-trying it forever would crowd every sweep.
MISSING_LOOKBACK = timedelta(days=30)


def _invoiced(prefix: str) -> Exists:
    key = Concat(Value(prefix), Cast(OuterRef("pk"), CharField()))
    return Exists(Invoice.objects.filter(source_key=key))


def orders_missing_invoice(now: datetime, limit: int) -> list[int]:
    """Delivered marketplace orders on invoice terms without their invoice (`issue_from_order`)."""
    found = Order.objects.exclude(_invoiced("order:")).filter(
        payment_method=marketplace.INVOICE_METHOD,
        status__in=(Order.Status.DELIVERED, Order.Status.COMPLETED),
        updated_at__gte=now - MISSING_LOOKBACK,
    )
    return list(found.order_by("pk").values_list("pk", flat=True)[:limit])


def purchases_missing_invoice(now: datetime, limit: int) -> list[int]:
    """Accepted, unpaid procurement deliveries without their invoice (`issue_from_procurement`)."""
    found = PurchaseOrder.objects.exclude(_invoiced("procurement:")).filter(
        accepted_at__gte=now - MISSING_LOOKBACK,
        payment_status=PurchaseOrder.Payment.UNPAID,
    )
    return list(found.order_by("pk").values_list("pk", flat=True)[:limit])
