"""A PostgreSQL-backed `AuditStore` for `apps.analytics.privacy.QueryAuditor`.

Released cells are loaded once per request for the measures it touches, new ones are kept
pending (so a table can be re-checked after a refusal: `mark`/`rollback`) and written by
`flush()` in the same transaction. Callers hold `lock(requester)` for the whole
check-and-record, so two concurrent requests of one integrator cannot both pass the auditor
with cells that difference each other.
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence

from django.db import connection
from django.db.models import Q

from apps.analytics.privacy import AuditRecord

from .models import ApiKey, ReleasedCell
from .selectors import period_of_measure

KEY_SEPARATOR = "|"


def lock(requester: str) -> None:
    """Transaction-scoped advisory lock per requester (released at commit or rollback)."""
    digest = hashlib.sha256(f"dataservice-audit:{requester}".encode()).digest()
    key = int.from_bytes(digest[:8], "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def released_periods(requester: str, indicator_codes: Iterable[str]) -> set[tuple[datetime.date, datetime.date]]:
    """The period buckets in which cells of these indicators were already released to
    `requester` (read from the measures of its `ReleasedCell`s)."""
    codes = list(indicator_codes)
    if not codes:
        return set()
    prefixes = Q()
    for code in codes:
        prefixes |= Q(measure__startswith=f"{code}{KEY_SEPARATOR}")
    measures = (
        ReleasedCell.objects.filter(requester=requester).filter(prefixes).values_list("measure", flat=True).distinct()
    )
    periods = set()
    for measure in measures:
        period = period_of_measure(measure)
        if period is not None:
            periods.add(period)
    return periods


class DbAuditStore:
    def __init__(self, requester: str, measures: Iterable[str], api_key: ApiKey | None = None) -> None:
        self.requester = requester
        self.api_key = api_key
        self._known: dict[str, list[AuditRecord]] = defaultdict(list)
        self._pending: list[AuditRecord] = []
        rows = ReleasedCell.objects.filter(requester=requester, measure__in=set(measures)).values_list(
            "measure", "key", "entity_keys"
        )
        for measure, key, entity_keys in rows:
            self._known[measure].append(AuditRecord(tuple(key.split(KEY_SEPARATOR)), measure, frozenset(entity_keys)))

    # --- AuditStore protocol ---
    def released(self, requester: str, measure: str) -> Sequence[AuditRecord]:
        if requester != self.requester:
            raise ValueError("this store holds one requester's cells")
        return (*self._known.get(measure, ()), *(r for r in self._pending if r.measure == measure))

    def record(self, requester: str, record: AuditRecord) -> None:
        if requester != self.requester:
            raise ValueError("this store holds one requester's cells")
        self._pending.append(record)

    def holds(self, measure: str, entities: frozenset[Hashable]) -> bool:
        """Whether exactly this population was already released (asking again is always
        allowed: it adds nothing to what the requester can derive)."""
        return any(r.entities == entities for r in self.released(self.requester, measure))

    # --- transactions over the pending records ---
    def mark(self) -> int:
        return len(self._pending)

    def rollback(self, mark: int) -> None:
        del self._pending[mark:]

    def flush(self) -> int:
        """Write the pending records; returns how many."""
        ReleasedCell.objects.bulk_create(
            ReleasedCell(
                requester=self.requester,
                measure=r.measure,
                key=KEY_SEPARATOR.join(str(part) for part in r.key),
                entity_keys=sorted(int(e) for e in r.entities),  # type: ignore[call-overload]
                api_key=self.api_key,
            )
            for r in self._pending
        )
        for r in self._pending:
            self._known[r.measure].append(r)
        written = len(self._pending)
        self._pending = []
        return written
