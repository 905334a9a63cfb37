"""Daily facts of Sembako Pintar for the public roll-up (see apps.facts.metrics).

Rounds: SEMBAKO_ROUNDS_OPENED counts the rounds created that day, SEMBAKO_ROUNDS_CLOSED those
closed for the group purchase that day (`closed_at`; a cancelled round never closes); entities
are the organisers.

Orders count on the day they were paid (`paid_at`: by wallet, QRIS or bansos in kind); an
order awaiting payment may still be cancelled and a paid one cannot, so a past day is final.
SEMBAKO_ORDERS: value = rupiah of the paid orders, count = orders, with a row per payment method
("bansos" is aid in kind, "wallet"/"qris" money) next to the total ""; its entities are the
households, so "households ordering" over a month is its distinct entities.
SEMBAKO_UNITS: units of the paid orders' lines (count = lines), by commodity where the item has
one. SEMBAKO_SAVINGS: what the households paid below the reference market price (apps.pangan)
known on the day of payment, value = rupiah (negative when the round was dearer), count = the
units that had a reference price; lines without one are left out. The households are also
ACTIVE_RESIDENTS of the day.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterator

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keyed, keys
from apps.pangan import selectors as pangan

from .models import HouseholdOrder, Round, RoundItem


def _rounds(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    for metric, lookup in (
        (Metric.SEMBAKO_ROUNDS_OPENED, {"created_at__gte": start, "created_at__lt": end}),
        (Metric.SEMBAKO_ROUNDS_CLOSED, {"closed_at__gte": start, "closed_at__lt": end}),
    ):
        organisers = list(Round.objects.filter(**lookup).values_list("organiser_id", flat=True).order_by("pk"))
        if organisers:
            yield FactRow(
                metric,
                value=len(organisers),
                entity_keys=keys("organiser", organisers),
                entity_values=keyed("organiser", [(o, 1) for o in organisers]),
            )


Line = tuple[int, int, int, int]  # (household id, item id, quantity, price)


def _per_household(metric: str, dimension: str, rows: list[tuple[int, int, int]]) -> FactRow:
    """A fact of (household, value, count) rows: the sums, with each household's own share."""
    return FactRow(
        metric,
        value=sum(v for _h, v, _c in rows),
        count=sum(c for _h, _v, c in rows),
        dimension=dimension,
        entity_keys=keys("household", [h for h, _v, _c in rows]),
        entity_values=keyed("household", [(h, v) for h, v, _c in rows]),
        entity_counts=keyed("household", [(h, c) for h, _v, c in rows]),
    )


def _orders(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    paid = list(
        HouseholdOrder.objects.filter(paid_at__gte=start, paid_at__lt=end)
        .exclude(status=HouseholdOrder.Status.CANCELLED)
        .values_list("household_id", "paid_method", "total", "lines")
        .order_by("pk")
    )
    if not paid:
        return
    by_method: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    lines: list[Line] = []
    for household, method, total, order_lines in paid:
        by_method[""].append((household, int(total), 1))
        by_method[method].append((household, int(total), 1))
        lines += [(household, int(ln["item"]), int(ln["quantity"]), int(ln["price"])) for ln in order_lines]
    for method, rows in sorted(by_method.items()):
        yield _per_household(Metric.SEMBAKO_ORDERS, method, rows)
    commodity = dict(RoundItem.objects.filter(pk__in={i for _h, i, _q, _p in lines}).values_list("pk", "commodity"))
    units: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for household, item, quantity, _price in lines:
        units[""].append((household, quantity, 1))
        if commodity.get(item):
            units[commodity[item]].append((household, quantity, 1))
    for dimension, rows in sorted(units.items()):
        yield _per_household(Metric.SEMBAKO_UNITS, dimension, rows)
    reference = pangan.prices_on(commodity.values(), day)
    saved = [
        (household, (reference[commodity[item]] - price) * quantity, quantity)
        for household, item, quantity, price in lines
        if commodity.get(item) in reference
    ]
    if saved:
        yield _per_household(Metric.SEMBAKO_SAVINGS, "", saved)
    yield FactRow(Metric.ACTIVE_RESIDENTS, value=0, entity_keys=keys("user", [h for h, *_r in paid]))


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    yield from _rounds(day)
    yield from _orders(day)
