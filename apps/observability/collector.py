"""Gauges computed when Prometheus scrapes: schema pool, activation jobs, notification outbox.

Everything here is a cheap query in the public schema, except the outbox, which lives in every
tenant schema: it is read with one `UNION ALL` query per 200 schemas over at most
METRICS_OUTBOX_MAX_SCHEMAS active tenants (the oldest first; `kotakita_outbox_schemas_scanned`
says how many were read), each part an index scan on (status, next_attempt_at). Results are
kept in the process for METRICS_GAUGE_CACHE_SECONDS so several scrapers (or a scrape storm)
cost one round of queries.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from apps.core.db import connection

CHUNK = 200
_cache: dict[str, Any] = {"at": 0.0, "metrics": []}
_lock = threading.Lock()


def _pool() -> GaugeMetricFamily:
    from apps.tenancy.models import PooledSchema, Tenant
    from apps.tenancy.schemas import fingerprint

    gauge = GaugeMetricFamily(
        "kotakita_schema_pool_size", "Ready-made schemas of the current migration state.", labels=["tenant_type"]
    )
    for kind in (Tenant.Type.KOTA, Tenant.Type.KELURAHAN):
        count = PooledSchema.objects.filter(tenant_type=kind, fingerprint=fingerprint(kind)).count()
        gauge.add_metric([str(kind)], count)
    return gauge


def _activation_jobs() -> list[GaugeMetricFamily]:
    from apps.tenancy.models import ActivationJob

    by_status = GaugeMetricFamily("kotakita_activation_jobs", "Activation jobs by status.", labels=["status"])
    counts = dict(ActivationJob.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    for status in ActivationJob.Status.values:
        by_status.add_metric([status], counts.get(status, 0))
    oldest = ActivationJob.objects.filter(status=ActivationJob.Status.RUNNING).aggregate(at=Min("started_at"))["at"]
    running = GaugeMetricFamily(
        "kotakita_activation_job_oldest_running_seconds",
        "Age of the oldest running activation job (0 when none runs).",
    )
    running.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
    return [by_status, running]


def _outbox() -> list[GaugeMetricFamily]:
    from apps.notifications.models import Message
    from apps.tenancy.models import Tenant

    limit = int(getattr(settings, "METRICS_OUTBOX_MAX_SCHEMAS", 1000))
    tenants = list(
        Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC)
        .filter(status=Tenant.Status.ACTIVE)
        .order_by("id")
        .values_list("schema_name", "tenant_type")[:limit]
    )
    kinds = dict(tenants)
    pending: dict[str, int] = {}
    oldest_at = None
    table = connection.ops.quote_name(Message._meta.db_table)
    with connection.cursor() as cursor:
        for start in range(0, len(tenants), CHUNK):
            part = [schema for schema, _ in tenants[start : start + CHUNK]]
            sql = " UNION ALL ".join(
                f"SELECT %s, count(*), min(created_at) FROM {connection.ops.quote_name(s)}.{table} WHERE status = %s"
                for s in part
            )
            params: list[str] = []
            for schema in part:
                params += [schema, Message.Status.PENDING]
            cursor.execute(sql, params)
            for schema, count, first in cursor.fetchall():
                kind = str(kinds[schema])
                pending[kind] = pending.get(kind, 0) + int(count)
                if first is not None and (oldest_at is None or first < oldest_at):
                    oldest_at = first
    backlog = GaugeMetricFamily(
        "kotakita_outbox_pending", "Notifications waiting to be sent, by tenant type.", labels=["tenant_type"]
    )
    for kind in (Tenant.Type.KOTA, Tenant.Type.KELURAHAN):
        backlog.add_metric([str(kind)], pending.get(str(kind), 0))
    oldest = GaugeMetricFamily(
        "kotakita_outbox_oldest_pending_seconds", "Age of the oldest pending notification (0 when none)."
    )
    oldest.add_metric([], (timezone.now() - oldest_at).total_seconds() if oldest_at else 0.0)
    scanned = GaugeMetricFamily("kotakita_outbox_schemas_scanned", "Tenant schemas read for the outbox gauges.")
    scanned.add_metric([], len(tenants))
    return [backlog, oldest, scanned]


def compute() -> list[Metric]:
    return [_pool(), *_activation_jobs(), *_outbox()]


class PlatformCollector(Collector):
    def collect(self) -> Iterator[Metric]:
        ttl = float(getattr(settings, "METRICS_GAUGE_CACHE_SECONDS", 30))
        with _lock:
            if time.monotonic() - _cache["at"] >= ttl or not _cache["metrics"]:
                _cache["metrics"] = compute()
                _cache["at"] = time.monotonic()
            metrics: list[Metric] = _cache["metrics"]
        yield from metrics
