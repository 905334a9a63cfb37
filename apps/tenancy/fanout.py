"""Run a tenant-aware Celery task in tenants, for beat jobs.

`enqueue_where_due` (the frequent sweeps): only in tenants whose public `DueWork` row says work
is due, read with one indexed query per chunk, so a minute's cost follows due work, not the
number of tenants. `enqueue_in_every_tenant` (daily jobs that every tenant has, e.g. the
analytics roll-up): once in each active tenant. `mark_all_due` is the safety net behind the
index: it makes every active tenant due once, spread over a window, so a lost hint strands
nothing for longer than its period. See docs/operations.md, "Periodic work".

`enqueue_in_tenant` / `enqueue_in_tenant_on_commit` (hand-offs between schemas: a kota's bill
copied to the payer's kelurahan, an invoice's OPD notified in the kota): one task in one other
tenant, by id. `switched_to` is the thread-safe `with tenant:` they use.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from apps.core.db import connection
from apps.core.tasks import publish

from . import due_work
from .models import DueWork, Tenant

DEFAULT_TYPES = ("kota", "kelurahan")
CLAIM_CHUNK = 500

# Schema-qualified: beat may run with a tenant's search_path (eager tasks in tests).
_DUE = f'"{get_public_schema_name()}"."{DueWork._meta.db_table}"'
_TENANT = f'"{get_public_schema_name()}"."{Tenant._meta.db_table}"'

# Claim one chunk: rows due now, or claimed longer ago than the lease (their sweep never
# reported back). SKIP LOCKED: a row held by a tenant transaction that is lowering its time is
# taken next minute instead of making beat wait on that tenant.
_CLAIM_SQL = f"""
WITH due AS (
    SELECT d.id FROM {_DUE} d JOIN {_TENANT} t ON t.id = d.tenant_id
    WHERE d.kind = %(kind)s AND (d.due_at <= %(now)s OR d.claimed_at <= %(stale)s)
      AND t.status = %(active)s AND t.tenant_type = ANY(%(types)s::varchar[])
    ORDER BY d.id
    LIMIT %(limit)s
    FOR UPDATE OF d SKIP LOCKED
)
UPDATE {_DUE} d SET due_at = NULL, claimed_at = %(now)s
FROM due, {_TENANT} t
WHERE d.id = due.id AND t.id = d.tenant_id
RETURNING t.id, t.schema_name
"""

_MARK_ALL_SQL = f"""
INSERT INTO {_DUE} AS d (tenant_id, kind, due_at, claimed_at)
SELECT t.id, %(kind)s, %(start)s + (t.id %% %(spread)s) * interval '1 second', NULL
FROM {_TENANT} t
WHERE t.status = %(active)s AND t.tenant_type = ANY(%(types)s::varchar[])
  AND (%(all)s OR t.id = ANY(%(ids)s::bigint[]))
ON CONFLICT (tenant_id, kind) DO UPDATE
SET due_at = LEAST(d.due_at, EXCLUDED.due_at)
"""


def enqueue_in_every_tenant(
    task: Any, *args: Any, types: Iterable[str] = DEFAULT_TYPES, part: tuple[int, int] | None = None
) -> int:
    """Queue `task(*args)` inside each active tenant's schema; returns how many were queued.

    `part=(index, parts)`: only the tenants whose id modulo `parts` is `index`, so a job that
    must reach every tenant once a period can spread them over the period's ticks."""
    count = 0
    tenants = Tenant.objects.filter(status=Tenant.Status.ACTIVE, tenant_type__in=list(types)).order_by("id")
    if part is not None:
        index, parts = part
        tenants = tenants.alias(slot=F("id") % parts).filter(slot=index % parts)
    for tenant in tenants:
        with tenant:
            task.delay(*args)
        count += 1
    return count


@contextmanager
def switched_to(tenant: Tenant) -> Iterator[None]:
    """Like `with tenant:`, but thread-safe: django-tenants keeps the tenants to return to in one
    class-level list shared by every instance and thread, so two threads nesting `with tenant:`
    can each return to the other's tenant (and query the wrong schema). Here the previous
    tenant stays on this call's stack. For reads and hand-offs across schemas."""
    previous = connection.tenant
    connection.set_tenant(tenant)
    try:
        yield
    finally:
        connection.set_tenant(previous)


def enqueue_in_tenant(tenant_id: int, task: Any, *args: Any, include_inactive: bool = False) -> bool:
    """Queue `task(*args)` in another tenant's schema now (a broker outage is logged by
    `publish`, never raised). A removed tenant gets nothing; an inactive one (suspended, being
    archived) neither, unless `include_inactive`: a hand-off that keeps two schemas' records in
    step (a payment reported to the kota that billed it, a removal undone) must reach it.
    Returns whether the task was handed to the broker."""
    tenants = Tenant.objects.filter(pk=tenant_id)
    if not include_inactive:
        tenants = tenants.filter(status=Tenant.Status.ACTIVE)
    tenant = tenants.first()
    if tenant is None:
        return False
    with switched_to(tenant):  # publish reads the schema to run in from the connection
        return publish(task, *args)


def enqueue_in_tenant_on_commit(tenant_id: int, task: Any, *args: Any, include_inactive: bool = False) -> None:
    """`enqueue_in_tenant` once the current transaction commits (a rolled-back write queues
    nothing); the tenant's status is read then, not now."""
    transaction.on_commit(lambda: enqueue_in_tenant(tenant_id, task, *args, include_inactive=include_inactive))


def claim_due(
    kind: DueWork.Kind,
    now: datetime | None = None,
    *,
    types: Iterable[str] = DEFAULT_TYPES,
    limit: int = CLAIM_CHUNK,
) -> list[tuple[int, str]]:
    """Claim up to `limit` active tenants with `kind` due at `now`: (id, schema) of each.

    A claimed row's time is cleared and its claim stamped, so the next minute's beat does not
    queue a second sweep while this one waits in the queue; the sweep writes the next time."""
    now = now or timezone.now()
    params: dict[str, Any] = {
        "kind": str(kind),
        "now": now,
        "stale": now - due_work.lease(),
        "active": Tenant.Status.ACTIVE.value,
        "types": list(types),
        "limit": limit,
    }
    with transaction.atomic(), db_connection.cursor() as cursor:
        cursor.execute(_CLAIM_SQL, params)
        return [(int(row[0]), str(row[1])) for row in cursor.fetchall()]


def enqueue_where_due(
    task: Any,
    kind: DueWork.Kind,
    now: datetime | None = None,
    *,
    types: Iterable[str] = DEFAULT_TYPES,
    chunk: int = CLAIM_CHUNK,
) -> int:
    """Queue `task()` in each active tenant whose `kind` work is due; returns how many.

    Reads only the public index (one query per `chunk` tenants), never a tenant schema."""
    now = now or timezone.now()
    types = list(types)
    count = 0
    while True:
        claimed = claim_due(kind, now, types=types, limit=chunk)
        # Whole rows (one query a chunk): a task run eagerly sees the tenant as in a request.
        tenants = Tenant.objects.in_bulk([tenant_id for tenant_id, _schema in claimed])
        for tenant_id, schema in claimed:
            with tenants.get(tenant_id) or Tenant(pk=tenant_id, schema_name=schema):
                task.delay()
        count += len(claimed)
        if len(claimed) < chunk:
            return count


def mark_all_due(
    kinds: Iterable[DueWork.Kind] | None = None,
    *,
    now: datetime | None = None,
    spread: timedelta = timedelta(hours=1),
    types: Iterable[str] = DEFAULT_TYPES,
    tenant_ids: Iterable[int] | None = None,
) -> int:
    """Safety net: make every active tenant (or those of `tenant_ids`) due for each kind once,
    within `spread` from `now` (by tenant id, so the sweeps trickle out instead of all landing
    in one minute). Creates the rows of tenants that have none. One statement per kind; returns
    rows written."""
    ids = [int(pk) for pk in tenant_ids] if tenant_ids is not None else []
    now = now or timezone.now()
    seconds = max(int(spread.total_seconds()), 1)
    written = 0
    with db_connection.cursor() as cursor:
        for kind in kinds if kinds is not None else list(DueWork.Kind):
            cursor.execute(
                _MARK_ALL_SQL,
                {
                    "kind": str(kind),
                    "start": now,
                    "spread": seconds,
                    "active": Tenant.Status.ACTIVE.value,
                    "types": list(types),
                    "all": tenant_ids is None,
                    "ids": ids,
                },
            )
            written += max(cursor.rowcount, 0)
    return written
