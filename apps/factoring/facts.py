"""Daily facts of invoice financing for the public roll-up (see apps.facts.metrics).

For `day` (dimension ""; entities = the selling shops, each with its own share):

* FINANCING_DISBURSED: advances paid out on the financings accepted that day; count = financings.
* FINANCING_OUTSTANDING: at day end, the advance not yet back with the lender (from the buyer's
  payments or by recourse to the seller) of every financing accepted by then; count = financings
  with something outstanding. Rebuilt from the invoices' financing events, so a past day gives
  the same answer whenever it is computed.
* FINANCING_SETTLED: advances of the financings settled that day (advance and fee paid).
* FINANCING_DEFAULTED: of the financings declared in default that day, the advance still
  outstanding when declared.
* FINANCING_FEES: fees paid to lenders that day; count = financings that paid one.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed
from apps.invoicing.models import InvoiceEvent

from .models import Financing, Status
from .services import FIN_DEFAULT, FIN_PAYMENT


def _row(metric: str, items: Iterable[tuple[int, int]]) -> Iterator[FactRow]:
    """One row from (shop id, amount) items, one item per financing."""
    items = list(items)
    if not items:
        return
    values = keyed("shop", items)
    counts = keyed("shop", [(shop, 1) for shop, _amount in items])
    yield FactRow(
        metric,
        value=sum(values.values()),
        count=sum(counts.values()),
        entity_keys=frozenset(values),
        entity_values=values,
        entity_counts=counts,
    )


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    financings = list(
        Financing.objects.filter(accepted_at__lt=end)
        .values_list("invoice_id", "invoice__shop_id", "advance", "status", "accepted_at", "settled_at", "defaulted_at")
        .order_by("pk")
    )
    if not financings:
        return
    shop_of = {f[0]: f[1] for f in financings}
    # What came back to the lender, per financing, with when: (time, principal, fee, recourse).
    back: dict[int, list[tuple[datetime.datetime, int, int, int]]] = defaultdict(list)
    events = InvoiceEvent.objects.filter(
        subject_id__in=list(shop_of), action__in=[FIN_PAYMENT, FIN_DEFAULT], created_at__lt=end
    ).values_list("subject_id", "action", "created_at", "data")
    for invoice_id, action, at, data in events:
        data = data or {}
        if action == FIN_PAYMENT:
            back[invoice_id].append((at, int(data.get("principal") or 0), int(data.get("fee") or 0), 0))
        else:
            back[invoice_id].append((at, 0, 0, int(data.get("recourse") or 0)))

    def returned(invoice_id: int, before: datetime.datetime) -> int:
        return sum(p + r for at, p, _fee, r in back[invoice_id] if at < before)

    yield from _row(
        Metric.FINANCING_DISBURSED,
        [(shop, advance) for _inv, shop, advance, _s, accepted, _st, _d in financings if accepted >= start],
    )
    left_at_end = [(shop, advance - returned(inv, end)) for inv, shop, advance, *_rest in financings]
    outstanding = [(shop, left) for shop, left in left_at_end if left > 0]
    yield from _row(Metric.FINANCING_OUTSTANDING, outstanding)
    if not outstanding:
        # Every advance is back: the level is 0, not "unknown" (read from the latest day's facts).
        yield FactRow(Metric.FINANCING_OUTSTANDING, value=0)
    yield from _row(
        Metric.FINANCING_SETTLED,
        [
            (shop, advance)
            for _inv, shop, advance, status, _a, settled, _d in financings
            if status == Status.SETTLED and settled is not None and start <= settled < end
        ],
    )
    yield from _row(
        Metric.FINANCING_DEFAULTED,
        [
            (shop, max(advance - returned(inv, defaulted), 0))
            for inv, shop, advance, _s, _a, _st, defaulted in financings
            if defaulted is not None and start <= defaulted < end
        ],
    )
    fees = [
        (shop_of[inv], sum(fee for at, _p, fee, _r in back[inv] if at >= start))
        for inv in shop_of
        if any(fee for at, _p, fee, _r in back[inv] if at >= start)
    ]
    yield from _row(Metric.FINANCING_FEES, fees)
