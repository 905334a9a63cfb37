"""Daily facts of UMKM invoices for the public roll-up (see apps.facts.metrics).

For `day`, by buyer (dimension "pemerintah": the kelurahan office, an OPD of the kota or a
procurement purchase;
"usaha": a business or person; "" = total), entities = the selling shops:

* INVOICES_ISSUED: totals of the invoices dated that day; count = invoices. A cancelled invoice
  is void and never counts (running a day again after a cancellation corrects it).
* INVOICES_PAID: totals of the invoices fully paid that day; count = invoices.
* INVOICE_PAY_DAYS: for the same invoices, the days from the invoice date to full payment,
  summed (average days to pay = value / count).
* INVOICES_OVERDUE: at day end, what was still open on the invoices past their due date and not
  fully paid nor cancelled by then (rebuilt from the invoices' payment and cancel events, so a
  past day gives the same answer whenever it is computed); count = invoices.

Every row carries each shop's own share (`entity_values` / `entity_counts`) for the Data-as-a-
Service release.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.utils import timezone

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed

from . import workflow
from .models import Invoice, InvoiceEvent

GOVERNMENT = "pemerintah"
BUSINESS = "usaha"
BUYERS = (GOVERNMENT, BUSINESS)

# (buyer dimension, shop id, amount)
Item = tuple[str, int, int]


# Addressed to the kelurahan office or an OPD of the kota (apps.invoicing.routes), or coming from
# a procurement.
GOVERNMENT_BUYER = ExpressionWrapper(
    Q(buyer_is_office=True) | ~Q(buyer_opd="") | Q(source=Invoice.Source.PROCUREMENT), output_field=BooleanField()
)


def buyer_kind(government: bool) -> str:
    return GOVERNMENT if government else BUSINESS


def _rows(metric: str, items: Iterable[Item]) -> Iterator[FactRow]:
    """The total row and one row per buyer kind with invoices, each shop's share of both."""
    items = list(items)
    if not items:
        return
    by_buyer: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for buyer, shop, amount in items:
        by_buyer[""].append((shop, amount))
        by_buyer[buyer].append((shop, amount))
    for dimension in ("", *BUYERS):
        rows = by_buyer.get(dimension)
        if not rows:
            continue
        values = keyed("shop", rows)
        counts = keyed("shop", [(shop, 1) for shop, _amount in rows])
        yield FactRow(
            metric,
            value=sum(values.values()),
            count=sum(counts.values()),
            dimension=dimension,
            entity_keys=frozenset(values),
            entity_values=values,
            entity_counts=counts,
        )


def _overdue(day: datetime.date, end: datetime.datetime) -> list[Item]:
    candidates = list(
        Invoice.objects.filter(issue_date__lte=day, due_date__lt=day)
        .filter(Q(paid_at__isnull=True) | Q(paid_at__gte=end))
        .values_list("pk", "shop_id", GOVERNMENT_BUYER, "total")
        .order_by("pk")
    )
    if not candidates:
        return []
    ids = [c[0] for c in candidates]
    before_end = InvoiceEvent.objects.filter(subject_id__in=ids, created_at__lt=end)
    cancelled = set(before_end.filter(action=InvoiceEvent.Action.CANCEL).values_list("subject_id", flat=True))
    paid: dict[int, int] = defaultdict(int)
    for invoice_id, data in before_end.filter(action=InvoiceEvent.Action.PAYMENT).values_list("subject_id", "data"):
        paid[invoice_id] += int((data or {}).get("amount") or 0)
    out = []
    for pk, shop, government, total in candidates:
        open_amount = total - paid[pk]
        if pk not in cancelled and open_amount > 0:
            out.append((buyer_kind(government), shop, open_amount))
    return out


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    live = Invoice.objects.exclude(status=workflow.CANCELLED)
    issued = live.filter(issue_date=day).values_list("shop_id", GOVERNMENT_BUYER, "total").order_by("pk")
    yield from _rows(Metric.INVOICES_ISSUED, [(buyer_kind(gov), shop, total) for shop, gov, total in issued])
    paid = list(
        Invoice.objects.filter(status=workflow.PAID, paid_at__gte=start, paid_at__lt=end)
        .values_list("shop_id", GOVERNMENT_BUYER, "total", "issue_date", "paid_at")
        .order_by("pk")
    )
    yield from _rows(Metric.INVOICES_PAID, [(buyer_kind(gov), shop, total) for shop, gov, total, _i, _p in paid])
    yield from _rows(
        Metric.INVOICE_PAY_DAYS,
        [
            (buyer_kind(gov), shop, max((timezone.localtime(at).date() - issued_on).days, 0))
            for shop, gov, _total, issued_on, at in paid
        ],
    )
    overdue = _overdue(day, end)
    yield from _rows(Metric.INVOICES_OVERDUE, overdue)
    if not overdue and Invoice.objects.filter(issue_date__lte=day).exists():
        # Invoices exist but none is overdue at day end: the level is 0, not "unknown" (a level
        # is read from the latest day with facts).
        yield FactRow(Metric.INVOICES_OVERDUE, value=0)
