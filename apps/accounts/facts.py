"""Daily facts of accounts for the public roll-up (see apps.facts.metrics).

REGISTERED: active accounts of warga at day end (staff accounts excluded). ACTIVE_RESIDENTS:
accounts that registered or signed in that day (Django keeps only the last sign-in, so a past
day's count is a lower bound; the other apps add who acted in them and the roll-up merges
them by entity).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator

from django.db.models import Q

from apps.facts.metrics import FactRow, Metric
from apps.facts.producing import day_bounds, keys

from .models import User


def daily_facts(day: datetime.date) -> Iterator[FactRow]:
    start, end = day_bounds(day)
    residents = User.objects.filter(is_active=True, is_staff=False, date_joined__lt=end)
    yield FactRow(Metric.RESIDENTS_REGISTERED, value=residents.count())
    active = residents.filter(Q(date_joined__gte=start) | Q(last_login__gte=start, last_login__lt=end))
    pks = list(active.values_list("id", flat=True))
    if pks:
        yield FactRow(Metric.ACTIVE_RESIDENTS, value=0, entity_keys=keys("user", pks))
