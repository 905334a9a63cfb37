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
