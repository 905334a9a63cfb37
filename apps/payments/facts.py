"""Daily facts of KotaKitaPay for the public roll-up (see apps.facts.metrics).

PAYMENTS: rupiah of payments and transfers posted that day (top-ups, payouts, refunds and
reversals are money entering, leaving or going back, not activity between warga and UMKM);
entities are the wallets that paid.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Count, Sum

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keys

from .models import AccountKind, EntryKind, JournalEntry, Posting

MOVEMENTS = (EntryKind.PAYMENT, EntryKind.TRANSFER)


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    entries = JournalEntry.objects.filter(kind__in=MOVEMENTS, created_at__gte=start, created_at__lt=end)
    total = entries.aggregate(amount=Sum("amount"), n=Count("id"))
    if not total["n"]:
        return
    payers = Posting.objects.filter(entry__in=entries, amount__lt=0, account__kind=AccountKind.WALLET)
    yield FactRow(
        Metric.PAYMENTS,
        value=int(total["amount"] or 0),
        count=total["n"],
        entity_keys=keys("wallet", payers.values_list("account_id", flat=True).distinct()),
    )
    yield FactRow(
        Metric.ACTIVE_RESIDENTS,
        value=0,
        entity_keys=keys("user", payers.values_list("account__owner_id", flat=True).distinct()),
    )
