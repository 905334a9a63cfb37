"""Co-purchase counts ("sering dibeli bersama"), maintained incrementally.

A pair counts one per checkout (placement) in which both products were in orders with a sold
status (lifecycle.SOLD). When an order enters a sold status, its products are paired with each
other and with the products of the placement's other sold orders (+1); when it leaves one
(cancelled after payment, refunded) the same pairs lose that checkout again (−1), so the counts
stay "from real sales only", as the recommendation always was. Each product belongs to one
shop and a placement has one order per shop, so no pair is counted twice for one checkout.
Runs inside the order's transaction, holding the placement row lock (taken after the order
lock), so two orders of one checkout paid at once cannot both miss each other.
"""

from __future__ import annotations

from itertools import permutations

from django.db import connection

from apps.core import cache_scopes

from .. import lifecycle
from ..models import CoPurchase, Order, OrderLine, Placement
from ..selectors import CATALOGUE_SCOPE


def _pairs(order: Order) -> list[tuple[int, int]]:
    mine = set(OrderLine.objects.filter(order=order).values_list("product_id", flat=True))
    others = (
        set(
            OrderLine.objects.filter(order__placement_id=order.placement_id, order__status__in=lifecycle.SOLD)
            .exclude(order=order)
            .values_list("product_id", flat=True)
        )
        - mine
    )
    pairs = set(permutations(sorted(mine), 2))
    for a in mine:
        for b in others:
            pairs.update({(a, b), (b, a)})
    return sorted(pairs)


def record_status_change(order: Order, previous: str, target: str) -> None:
    """Adjust the pair counts when `order` moves between a sold and a not-sold status."""
    was_sold, is_sold = previous in lifecycle.SOLD, target in lifecycle.SOLD
    if was_sold == is_sold:
        return
    Placement.objects.select_for_update().filter(pk=order.placement_id).values_list("pk", flat=True).first()
    pairs = _pairs(order)
    if not pairs:
        return
    table = CoPurchase._meta.db_table
    delta = 1 if is_sold else -1
    rows = ", ".join(["(%s, %s, %s)"] * len(pairs))
    params: list[int] = [value for a, b in pairs for value in (a, b, max(delta, 0))]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (product_id, other_id, together) VALUES {rows} "
            f"ON CONFLICT (product_id, other_id) DO UPDATE SET together = GREATEST({table}.together + %s, 0)",
            [*params, delta],
        )
    cache_scopes.bump(CATALOGUE_SCOPE)  # "sering dibeli bersama" (apps.marketplace.fragments)
