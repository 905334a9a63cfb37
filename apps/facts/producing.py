"""Helpers for the producers (`apps/<app>/facts.py`): day bounds and anonymous entity keys.

Producers run inside one tenant's schema; the schema name goes into every entity key, so the
same primary key in two kelurahan never collides.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from apps.core.db import connection

from .metrics import entity_key


def day_bounds(day: datetime.date) -> tuple[datetime.datetime, datetime.datetime]:
    """[start, end) of a local calendar day (Asia/Jakarta) as aware datetimes."""
    tz = timezone.get_current_timezone()
    start = datetime.datetime.combine(day, datetime.time.min, tzinfo=tz)
    return start, start + datetime.timedelta(days=1)


def keys(kind: str, pks: Iterable[object]) -> frozenset[int]:
    """Anonymous keys of the entities `pks` of one kind in the current tenant."""
    schema = str(connection.schema_name)
    return frozenset(entity_key(kind, schema, pk) for pk in pks if pk is not None)


def keyed(kind: str, amounts: Iterable[tuple[object, int]]) -> dict[int, int]:
    """Each entity's total of `amounts` ((pk, amount) pairs, a pk may repeat) by its anonymous
    key: the per-entity shares of a fact (`FactRow.entity_values` / `entity_counts`)."""
    schema = str(connection.schema_name)
    out: dict[int, int] = {}
    for pk, amount in amounts:
        if pk is None:
            continue
        key = entity_key(kind, schema, pk)
        out[key] = out.get(key, 0) + int(amount)
    return out
