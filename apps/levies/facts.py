"""Daily facts of the kota's levies (retribusi and local taxes) for the public roll-up (see
apps.facts.metrics). Kota schemas only: in a kelurahan schema (which has no levy tables) the
producer yields nothing.

For `day`, each by levy (dimension = the levy's code, "" = total) and by kelurahan (the *_KEL
metrics, dimension = the kelurahan's region code):

* LEVY_BILLED: principal of the bills issued that day; count = bills. A cancelled bill is void
  and never counts (running a day again after a cancellation corrects it).
* LEVY_COLLECTED: what was paid on the bills paid that day (principal + fine); count = bills.
* LEVY_FINES (by levy only): the late-fine part of those payments; count = bills paid with one.
* LEVY_OVERDUE: at day end, principal of the bills past their due date and not paid by then
  (cancelled bills excluded); count = bills.

Entities are the payers (kelurahan + account, anonymous keys); every row carries each payer's
own share (`entity_values` / `entity_counts`) for the Data-as-a-Service release.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Iterator

from django.db.models import Q

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed
from apps.tenancy.models import Tenant

from . import access
from .models import LevyBill

PAYER = "levy_payer"

# (levy code, kelurahan tenant id, payer, amount)
Item = tuple[str, int, str, int]


def _payer(kelurahan_id: int, account: str) -> str:
    return f"{kelurahan_id}:{account.strip().lower()}"


def _rows(metric: str, items: Iterable[tuple[str, str, int]]) -> Iterator[FactRow]:
    """One row per dimension (sorted) from (dimension, payer, amount) items: value = the sum,
    count = the items, with each payer's share of both."""
    by_dimension: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for dimension, payer, amount in items:
        by_dimension[dimension].append((payer, amount))
    for dimension, rows in sorted(by_dimension.items()):
        values = keyed(PAYER, rows)
        counts = keyed(PAYER, [(payer, 1) for payer, _amount in rows])
        yield FactRow(
            metric,
            value=sum(values.values()),
            count=sum(counts.values()),
            dimension=dimension,
            entity_keys=frozenset(values),
            entity_values=values,
            entity_counts=counts,
        )


def _family(metric: str, by_kelurahan: str | None, items: list[Item], regions: dict[int, str]) -> Iterator[FactRow]:
    """The total, per-levy and (when `by_kelurahan`) per-kelurahan rows of one measure; the
    per-kelurahan metric has its own total row too (a level at day end is read from the latest
    day's rows, so a day without any must still say 0)."""
    if not items:
        return
    total = [("", payer, amount) for _code, _kel, payer, amount in items]
    yield from _rows(metric, total)
    yield from _rows(metric, [(code, payer, amount) for code, _kel, payer, amount in items])
    if by_kelurahan:
        yield from _rows(by_kelurahan, total)
        yield from _rows(
            by_kelurahan, [(regions[kel], payer, amount) for _code, kel, payer, amount in items if regions.get(kel)]
        )


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    if not access.is_kota(access.current_tenant()):
        return
    start, end = day_bounds(day)
    fields = ("levy__code", "kelurahan_id", "payer_account", "principal", "paid_amount")
    live = LevyBill.objects.exclude(status=LevyBill.Status.CANCELLED)
    issued = list(live.filter(created_at__gte=start, created_at__lt=end).values_list(*fields).order_by("id"))
    paid = list(
        LevyBill.objects.filter(status=LevyBill.Status.PAID, paid_at__gte=start, paid_at__lt=end)
        .values_list(*fields)
        .order_by("id")
    )
    overdue = list(
        live.filter(created_at__lt=end, due_on__lt=day)
        .filter(Q(paid_at__isnull=True) | Q(paid_at__gte=end))
        .values_list(*fields)
        .order_by("id")
    )
    if not (issued or paid or overdue or live.filter(created_at__lt=end).exists()):
        return
    kelurahan = {row[1] for row in (*issued, *paid, *overdue)}
    regions = {pk: str(code) for pk, code in Tenant.objects.filter(pk__in=kelurahan).values_list("pk", "region_id")}
    yield from _family(
        Metric.LEVY_BILLED,
        Metric.LEVY_BILLED_KEL,
        [(code, kel, _payer(kel, acc), principal) for code, kel, acc, principal, _paid in issued],
        regions,
    )
    yield from _family(
        Metric.LEVY_COLLECTED,
        Metric.LEVY_COLLECTED_KEL,
        [(code, kel, _payer(kel, acc), paid_amount) for code, kel, acc, _principal, paid_amount in paid],
        regions,
    )
    yield from _family(
        Metric.LEVY_FINES,
        None,
        [
            (code, kel, _payer(kel, acc), paid_amount - principal)
            for code, kel, acc, principal, paid_amount in paid
            if paid_amount > principal
        ],
        regions,
    )
    yield from _family(
        Metric.LEVY_OVERDUE,
        Metric.LEVY_OVERDUE_KEL,
        [(code, kel, _payer(kel, acc), principal) for code, kel, acc, principal, _paid in overdue],
        regions,
    )
    if not overdue:
        # Bills exist but none is overdue at day end: the level is 0, not "unknown".
        yield FactRow(Metric.LEVY_OVERDUE, value=0)
        yield FactRow(Metric.LEVY_OVERDUE_KEL, value=0)
