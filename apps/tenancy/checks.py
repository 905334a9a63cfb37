"""Checks of tenant backups (ids kotakita.E800–E899 / W800–W899) and of how tenants reach the
database (kotakita.E508–E509, docs/operations.md "Connections")."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register


@register(Tags.security, deploy=True)
def check_backup_settings(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    backups = Path(settings.TENANT_BACKUP_DIR).resolve()
    media = Path(settings.MEDIA_ROOT).resolve()
    static = Path(settings.STATIC_ROOT).resolve() if settings.STATIC_ROOT else None
    for root in (media, static):
        if root is not None and (backups == root or root in backups.parents):
            messages.append(
                Error(
                    f"TENANT_BACKUP_DIR ({backups}) lies inside {root}: tenant backups hold personal data "
                    "and must never be web-served.",
                    hint="Point TENANT_BACKUP_DIR at a folder outside MEDIA_ROOT and STATIC_ROOT.",
                    id="kotakita.E800",
                )
            )
    if settings.TENANT_BACKUP_KEEP_DAYS < 1:
        messages.append(
            Error(
                f"TENANT_BACKUP_KEEP_DAYS={settings.TENANT_BACKUP_KEEP_DAYS}: keep backups at least one day "
                "(backup_tenants would refuse to run).",
                id="kotakita.E801",
            )
        )
    return messages


POOLERS = ("none", "pgbouncer-session")


@register(Tags.database)
def check_database_pooler(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A pooler in transaction mode would mix tenants: refuse it, everywhere, at startup."""
    pooler = settings.DATABASE_POOLER
    if pooler == "pgbouncer-transaction":
        return [
            Error(
                "DATABASE_POOLER=pgbouncer-transaction is not supported: django-tenants sets the tenant "
                "with a session-level `SET search_path`, and the jobs hold session advisory locks "
                "(apps/jobs/runner.py). In transaction mode the next transaction may run on a server "
                "connection whose search_path another client set, i.e. in another tenant's schema.",
                hint="Run PgBouncer with pool_mode=session (DATABASE_POOLER=pgbouncer-session), or use "
                "Django's pool (DATABASE_POOL_MAX_SIZE) with DATABASE_POOLER=none.",
                id="kotakita.E509",
            )
        ]
    if pooler not in POOLERS:
        return [
            Error(
                f"DATABASE_POOLER={pooler!r} is not one of {', '.join(POOLERS)}.",
                hint="none: PostgreSQL directly (optionally with DATABASE_POOL_MAX_SIZE); "
                "pgbouncer-session: PgBouncer with pool_mode=session.",
                id="kotakita.E509",
            )
        ]
    return []


@register(Tags.database, deploy=True)
def check_database_pooler_declared(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Production says how it reaches PostgreSQL, so a pooler is never put in front unnoticed."""
    if "DATABASE_POOLER" not in os.environ:
        return [
            Error(
                "DATABASE_POOLER is not set: say how this deployment reaches PostgreSQL.",
                hint="DATABASE_POOLER=none (directly) or pgbouncer-session; never PgBouncer in "
                'transaction mode (README "Deploying to production").',
                id="kotakita.E508",
            )
        ]
    return []


@register(Tags.compatibility)
def check_due_work_lease(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A claimed sweep is queued again after DUE_WORK_LEASE_SECONDS (apps.tenancy.fanout): a
    lease shorter than a sweep's hard time limit would queue a second copy of a live sweep."""
    lease = int(getattr(settings, "DUE_WORK_LEASE_SECONDS", 600))
    hard = int(getattr(settings, "CELERY_TASK_TIME_LIMIT", 0) or 0)
    if lease <= hard:
        return [
            Error(
                f"DUE_WORK_LEASE_SECONDS={lease} is not above the sweeps' hard time limit ({hard} s).",
                hint="Raise DUE_WORK_LEASE_SECONDS (600 by default); see docs/operations.md, 'Periodic work'.",
                id="kotakita.E601",
            )
        ]
    return []
