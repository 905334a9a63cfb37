"""Daily facts of RT community finance for the public roll-up (see apps.facts.metrics).

ACTIVE_RESIDENTS: warga who paid their iuran that day or appear in a cash-book entry of that
day (merged with the other apps' residents by the roll-up).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keys

from .models import CashBookEntry, IuranPayment


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    paid = IuranPayment.objects.filter(status=IuranPayment.Status.PAID, paid_at__gte=start, paid_at__lt=end)
    people = set(paid.values_list("member_id", flat=True))
    people |= set(
        CashBookEntry.objects.filter(occurred_on=day, voided_at__isnull=True, member__isnull=False).values_list(
            "member_id", flat=True
        )
    )
    if people:
        yield FactRow(Metric.ACTIVE_RESIDENTS, value=0, entity_keys=keys("user", people))
