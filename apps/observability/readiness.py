"""Readiness checks for `/readyz`: may this process take traffic?

Database, cache, broker (when one is configured), private storage (write, read, delete a probe
object), migrations current (public schema and the per-type templates: a couple of queries),
schema pool not empty (when a pool is configured). django-health-check 4.8's Cache and Storage
probes are used as they are; the others are KotaKita's own.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from django.conf import settings
from health_check import Cache, Storage
from health_check.exceptions import HealthCheckException

from apps.core.db import connection


class NotReady(Exception):
    """A check's failure; the message is shown in /readyz, so it never holds a secret."""


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        if cursor.fetchone() != (1,):
            raise NotReady("unexpected answer")


def check_cache() -> None:
    # The strict cache: the "default" one swallows Redis errors by design (apps.core.cache).
    asyncio.run(Cache(alias="state").run())


def check_broker() -> None:
    if settings.CELERY_TASK_ALWAYS_EAGER or str(settings.CELERY_BROKER_URL).startswith("memory://"):
        return
    from config.celery import app

    with app.connection_for_write(url=settings.CELERY_BROKER_URL) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)


def check_storage() -> None:
    Storage(alias="private").run()


def check_migrations() -> None:
    from apps.tenancy.schemas import outdated, public_outdated, template_schema

    if public_outdated():
        raise NotReady("public schema has unapplied migrations")
    stale = outdated((template_schema(kind), kind) for kind in settings.TENANT_TYPES if kind != "public")
    if stale:
        raise NotReady("template schemas with unapplied migrations: " + ", ".join(s for s, _ in stale))


def check_schema_pool() -> None:
    if settings.TENANT_SCHEMA_POOL_SIZE <= 0:
        return
    from apps.tenancy.models import PooledSchema
    from apps.tenancy.schemas import fingerprint

    empty = [
        kind
        for kind in settings.TENANT_TYPES
        if kind != "public"
        and not PooledSchema.objects.filter(tenant_type=kind, fingerprint=fingerprint(kind)).exists()
    ]
    if empty:
        raise NotReady("schema pool empty for: " + ", ".join(empty))


CHECKS: dict[str, Callable[[], None]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "storage": check_storage,
    "migrations": check_migrations,
    "schema_pool": check_schema_pool,
}


def run_checks() -> tuple[bool, dict[str, dict[str, object]]]:
    connection.set_schema_to_public()
    results: dict[str, dict[str, object]] = {}
    for name, check in CHECKS.items():
        started = time.perf_counter()
        entry: dict[str, object] = {"ok": True}
        try:
            check()
        except (NotReady, HealthCheckException) as exc:
            entry = {"ok": False, "error": str(exc)}
        except Exception as exc:
            entry = {"ok": False, "error": type(exc).__name__}
        entry["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = entry
    return all(r["ok"] for r in results.values()), results
