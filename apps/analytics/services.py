"""Roll-up of every tenant's daily facts into the public `DailyFact` table.

`rollup_tenant_day` is the only writer: it runs the producers (`apps/<app>/facts.py`) inside
the tenant's schema and replaces that tenant's rows for the day in one transaction, so running
a day again is harmless (idempotent) and corrects it after late data.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import connection as db_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed
from apps.facts import registry
from apps.facts.metrics import DISTINCT_METRICS, FactRow
from apps.facts.registry import Producer
from apps.tenancy.models import Tenant

from .models import DailyFact

logger = logging.getLogger(__name__)

DEFAULT_LOOKBACK_DAYS = 7
VERSION_TIMEOUT = 60 * 60 * 24 * 30


def producers() -> list[Producer]:
    """The registered producers (apps/<app>/apps.py registers its facts.daily_facts)."""
    return registry.producers()


def _add(a: Mapping[int, int], b: Mapping[int, int]) -> dict[int, int]:
    out = dict(a)
    for key, amount in b.items():
        out[key] = out.get(key, 0) + amount
    return out


def merge(rows: Iterable[FactRow]) -> list[FactRow]:
    """One row per (metric, dimension): values and counts add up, entity keys are united; for
    the DISTINCT_METRICS the value is the number of distinct entities."""
    merged: dict[tuple[str, str], FactRow] = {}
    for row in rows:
        key = (row.metric, row.dimension)
        seen = merged.get(key)
        if seen is None:
            merged[key] = row
            continue
        merged[key] = FactRow(
            row.metric,
            value=seen.value + row.value,
            count=seen.count + row.count,
            dimension=row.dimension,
            entity_keys=seen.entity_keys | row.entity_keys,
            entity_values=_add(seen.entity_values, row.entity_values),
            entity_counts=_add(seen.entity_counts, row.entity_counts),
        )
    out = []
    for (metric, dimension), row in sorted(merged.items()):
        if metric in DISTINCT_METRICS:
            row = FactRow(
                metric,
                value=len(row.entity_keys),
                count=row.count,
                dimension=dimension,
                entity_keys=row.entity_keys,
                entity_values=dict.fromkeys(row.entity_keys, 1),  # one each, by definition
            )
        out.append(row)
    return out


def collect(tenant: Tenant, day: datetime.date) -> list[FactRow]:
    """Every producer's facts of `tenant` for `day`, computed in the tenant's schema."""
    with tenant:
        return merge(row for produce in producers() for row in produce(day))


def _aligned(keys: list[int], shares: Mapping[int, int]) -> list[int]:
    """`shares` in the order of `keys` (what DailyFact stores), empty when not attributed."""
    return [int(shares.get(key, 0)) for key in keys] if shares else []


def _check(row: FactRow) -> None:
    # A share of an entity not among the keys, a negative share or shares adding up to more than
    # the fact are producer bugs that would make the release clamp the wrong thing.
    shares_ok = all(
        set(shares) <= row.entity_keys and min(shares.values(), default=0) >= 0 and sum(shares.values()) <= total
        for shares, total in ((row.entity_values, row.value), (row.entity_counts, row.count))
    )
    if row.count < 0 or len(row.metric) > 64 or len(row.dimension) > 64 or not shares_ok:
        raise ValidationFailed(
            _("Fakta %(metric)s/%(dimension)s tidak valid.") % {"metric": row.metric, "dimension": row.dimension},
            code="invalid_fact",
        )


@dataclass(frozen=True)
class RollupResult:
    tenant_id: int
    day: datetime.date
    written: int
    removed: int


def version_key(tenant_id: int) -> str:
    return f"analytics:facts-version:{tenant_id}"


def facts_version(tenant_id: int) -> int:
    """Changes whenever the facts of this tenant (or, for a kota, of one of its kelurahan) change;
    dashboard cache keys carry it, so a roll-up makes their cached pages stale at once."""
    value = cache.get(version_key(tenant_id))
    if value is None:
        value = int(timezone.now().timestamp() * 1000)
        cache.add(version_key(tenant_id), value, VERSION_TIMEOUT)
        value = cache.get(version_key(tenant_id), value)
    return int(value)


def bump_version(tenant: Tenant) -> None:
    stamp = int(timezone.now().timestamp() * 1000)
    for owner in (tenant, tenant.parent):
        if owner is None:
            continue
        # Keys are made in the owner's schema (the cache KEY_FUNCTION prefixes it), like its pages.
        with owner:
            current = int(cache.get(version_key(owner.pk)) or 0)
            cache.set(version_key(owner.pk), max(stamp, current + 1), VERSION_TIMEOUT)


@transaction.atomic
def rollup_tenant_day(tenant: Tenant, day: datetime.date) -> RollupResult:
    """Replace `tenant`'s facts of `day` with freshly computed ones (atomic, idempotent)."""
    if tenant.is_public:
        raise ValidationFailed(_("Skema publik tidak punya fakta harian."), code="public_tenant")
    if day > timezone.localdate():
        raise ValidationFailed(_("Tanggal %(day)s belum terjadi.") % {"day": day.isoformat()}, code="future_day")
    # One roll-up of a tenant and day at a time (beat, backfill and incremental may overlap).
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [7_401_000 + tenant.pk % 1_000_000, day.toordinal()])
    rows = collect(tenant, day)
    for row in rows:
        _check(row)
    removed, _detail = DailyFact.objects.filter(tenant=tenant, day=day).delete()
    region = str(tenant.region_id or "")
    DailyFact.objects.bulk_create(
        [
            DailyFact(
                tenant=tenant,
                region_code=region,
                day=day,
                metric=row.metric,
                dimension=row.dimension,
                value=row.value,
                count=row.count,
                entity_keys=keys,
                entity_values=_aligned(keys, row.entity_values),
                entity_counts=_aligned(keys, row.entity_counts),
            )
            for row in rows
            for keys in [sorted(row.entity_keys)]
        ]
    )
    transaction.on_commit(lambda: bump_version(tenant))
    return RollupResult(tenant.pk, day, written=len(rows), removed=removed)


def days_between(since: datetime.date, until: datetime.date) -> list[datetime.date]:
    if since > until:
        raise ValidationFailed(_("Tanggal awal harus sebelum tanggal akhir."), code="bad_range")
    return [since + datetime.timedelta(days=n) for n in range((until - since).days + 1)]


def rollup_recent(tenant: Tenant, lookback: int | None = None) -> list[RollupResult]:
    """Yesterday and the `lookback` days before it (late data), one transaction per day."""
    days = (
        lookback if lookback is not None else int(getattr(settings, "ANALYTICS_LOOKBACK_DAYS", DEFAULT_LOOKBACK_DAYS))
    )
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    return [rollup_tenant_day(tenant, d) for d in days_between(yesterday - datetime.timedelta(days=days), yesterday)]


def tenants_to_roll_up() -> list[Tenant]:
    return list(
        Tenant.objects.filter(status=Tenant.Status.ACTIVE, tenant_type__in=["kota", "kelurahan"])
        .select_related("parent")
        .order_by("id")
    )


# --- incremental updates ------------------------------------------------------------------

DEBOUNCE_SECONDS = 60


def debounce_key(tenant_id: int) -> str:
    return f"analytics:rollup-today-pending:{tenant_id}"


def schedule_today(tenant: Tenant) -> bool:
    """After a key event (order paid, report resolved, permit issued...): roll up the tenant's
    today once the current transaction commits. Debounced: at most one pending roll-up per tenant
    (a cache lock), which runs DEBOUNCE_SECONDS later and so covers every event in between."""
    if tenant.is_public:
        return False

    def enqueue() -> None:
        from .tasks import rollup_today

        try:
            if cache.add(debounce_key(tenant.pk), 1, DEBOUNCE_SECONDS * 2):
                rollup_today.apply_async(args=(tenant.pk,), countdown=DEBOUNCE_SECONDS)
        except Exception:  # the business action already committed; the nightly roll-up corrects
            logger.exception("incremental roll-up of tenant %s could not be queued", tenant.pk)

    transaction.on_commit(enqueue)
    return True
