"""Run a tenant-aware Celery task once in every active tenant (for beat jobs)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import Tenant


def enqueue_in_every_tenant(task: Any, *args: Any, types: Iterable[str] = ("kota", "kelurahan")) -> int:
    """Queue `task(*args)` inside each active tenant's schema; returns how many were queued."""
    count = 0
    tenants = Tenant.objects.filter(status=Tenant.Status.ACTIVE, tenant_type__in=list(types)).order_by("id")
    for tenant in tenants:
        with tenant:
            task.delay(*args)
        count += 1
    return count
