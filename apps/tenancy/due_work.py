"""The public "due work" index: when each tenant next has periodic work of each kind.

Tenant apps call two functions, in the tenant's schema:

- `schedule_due(kind, at)` in the transaction that schedules something (an outbox message, a
  payment deadline, a report's SLA, a delivery's cut-off). The hint is written when that
  transaction commits (a rolled-back change leaves none), as one statement of its own: no lock on
  the shared row is held across the business transaction, so tenant transactions never wait on
  (or deadlock through) the index. Several hints of one transaction are written once, earliest
  first. The row keeps the earliest time; a later hint changes nothing and takes no lock.
- `begin(kind)` when the tenant's sweep starts and `reschedule(kind, next_at)` when it ends,
  with `next_at` computed from the tenant's own tables, so the index heals itself: a hint that
  was too early costs one empty sweep, and the sweep writes the true next time.

Why no update is lost: a hint is written after its data committed. `begin` clears `due_at`
before the sweep reads its tables, so a hint written before `begin` is for data the sweep sees,
and a hint written after `begin` survives `reschedule`, which keeps the earlier of what is stored
and what the sweep computed. Only a process killed between a commit and its hint loses one: the
hourly repair (`jobs.repair_tenant`, each tenant once an hour) and the daily safety net
(`fanout.mark_all_due`) find it: work of a lost hint is at most one repair period late.
Beat only reads this table (`apps.tenancy.fanout.enqueue_where_due`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.core.db import connection
from apps.core.jobs.heartbeat import threshold

from .models import DueWork, Tenant

Kind = DueWork.Kind

_TABLE = f'"{get_public_schema_name()}"."{DueWork._meta.db_table}"'

# One statement for the usual call: lower the time if it is later (or unset), insert the row if
# the tenant has none yet. A plain UPDATE whose WHERE does not match takes no lock, so calls
# that change nothing never wait on each other.
_SCHEDULE_SQL = f"""
WITH existing AS (SELECT 1 FROM {_TABLE} WHERE tenant_id = %(tenant)s AND kind = %(kind)s),
lowered AS (
    UPDATE {_TABLE} SET due_at = %(at)s
    WHERE tenant_id = %(tenant)s AND kind = %(kind)s AND (due_at IS NULL OR due_at > %(at)s)
    RETURNING 1
),
inserted AS (
    INSERT INTO {_TABLE} (tenant_id, kind, due_at)
    SELECT %(tenant)s, %(kind)s, %(at)s WHERE NOT EXISTS (SELECT 1 FROM existing)
    ON CONFLICT (tenant_id, kind) DO NOTHING
    RETURNING 1
)
SELECT EXISTS (SELECT 1 FROM existing), EXISTS (SELECT 1 FROM inserted), EXISTS (SELECT 1 FROM lowered)
"""
_LOWER_SQL = f"""
UPDATE {_TABLE} SET due_at = %(at)s
WHERE tenant_id = %(tenant)s AND kind = %(kind)s AND (due_at IS NULL OR due_at > %(at)s)
"""
_BEGIN_SQL = f"""
INSERT INTO {_TABLE} AS d (tenant_id, kind, due_at, claimed_at) VALUES (%(tenant)s, %(kind)s, NULL, %(now)s)
ON CONFLICT (tenant_id, kind) DO UPDATE
SET due_at = NULL, claimed_at = COALESCE(d.claimed_at, EXCLUDED.claimed_at)
"""
_RESCHEDULE_SQL = f"""
INSERT INTO {_TABLE} AS d (tenant_id, kind, due_at, claimed_at) VALUES (%(tenant)s, %(kind)s, %(at)s, NULL)
ON CONFLICT (tenant_id, kind) DO UPDATE
SET due_at = LEAST(d.due_at, EXCLUDED.due_at), claimed_at = NULL
"""


def lease() -> timedelta:
    """How long a queued sweep may take to report back before beat queues it again."""
    return timedelta(seconds=int(getattr(settings, "DUE_WORK_LEASE_SECONDS", 600)))


def _tenant_id() -> int | None:
    """The current tenant's id, or None in the public schema (nothing to schedule there)."""
    schema = connection.schema_name
    if not schema or schema == get_public_schema_name():
        return None
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Tenant) and tenant.pk is not None and tenant.schema_name == schema:
        return int(tenant.pk)
    found = Tenant.objects.filter(schema_name=schema).values_list("pk", flat=True).first()
    return int(found) if found is not None else None


class Hint:
    """An after-commit write of one hint (a class, so a transaction's pending hints can be found
    in its on-commit list: the list drops those of a rolled-back savepoint by itself)."""

    def __init__(self, tenant_id: int, kind: str, at: datetime) -> None:
        self.tenant_id, self.kind, self.at = tenant_id, kind, at

    def __call__(self) -> None:
        _write_hint(self.tenant_id, self.kind, self.at)


def _write_hint(tenant_id: int, kind: str, at: datetime) -> None:
    params: dict[str, Any] = {"tenant": tenant_id, "kind": kind, "at": at}
    with db_connection.cursor() as cursor:
        cursor.execute(_SCHEDULE_SQL, params)
        row = cursor.fetchone()
        existed, inserted = bool(row and row[0]), bool(row and row[1])
        if not existed and not inserted:
            # Another transaction created the row between our snapshot and our insert.
            cursor.execute(_LOWER_SQL, params)


def schedule_due(kind: DueWork.Kind, at: datetime) -> None:
    """Something of `kind` is due at `at` in the current tenant: keep the earliest time.

    Call it inside the transaction that schedules the work: the hint is written when it commits."""
    tenant_id = _tenant_id()
    if tenant_id is None:
        return
    if not db_connection.in_atomic_block:
        _write_hint(tenant_id, str(kind), at)
        return
    for entry in db_connection.run_on_commit:  # (savepoint ids, callback, robust)
        callback = entry[1]
        if (
            isinstance(callback, Hint)
            and callback.tenant_id == tenant_id
            and callback.kind == str(kind)
            and callback.at <= at
        ):
            return  # this transaction already writes an earlier (or the same) time
    transaction.on_commit(Hint(tenant_id, str(kind), at), robust=True)


def watch_job(heartbeat_kind: str) -> None:
    """A job with a heartbeat (apps.core.jobs.heartbeat kind, e.g. "IMPORT") is queued or
    running in this tenant: the stale-job sweep looks once that heartbeat could have stopped,
    then again from the oldest open heartbeat (apps.jobs.stale)."""
    schedule_due(Kind.STALE_JOBS, timezone.now() + threshold(heartbeat_kind))


def begin(kind: DueWork.Kind, now: datetime | None = None) -> None:
    """The current tenant's sweep of `kind` starts: forget the stored time (the sweep will
    write the true one). The claim stays until `reschedule`, so a sweep that dies is retried."""
    tenant_id = _tenant_id()
    if tenant_id is None:
        return
    with db_connection.cursor() as cursor:
        cursor.execute(_BEGIN_SQL, {"tenant": tenant_id, "kind": str(kind), "now": now or timezone.now()})


def reschedule(kind: DueWork.Kind, next_at: datetime | None) -> None:
    """The current tenant's sweep of `kind` ended: `next_at` is when its tables say the next
    work is due (None: nothing scheduled). A time stored meanwhile by `schedule_due` is kept
    if earlier. Releases the claim."""
    tenant_id = _tenant_id()
    if tenant_id is None:
        return
    with db_connection.cursor() as cursor:
        cursor.execute(_RESCHEDULE_SQL, {"tenant": tenant_id, "kind": str(kind), "at": next_at})


def earliest(*moments: datetime | None) -> datetime | None:
    """The earliest of the given times, ignoring None (a sweep's parts each offer one)."""
    known = [moment for moment in moments if moment is not None]
    return min(known) if known else None
