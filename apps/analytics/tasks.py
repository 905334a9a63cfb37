"""Celery entry points of the roll-up (they call apps.analytics.services)."""

from __future__ import annotations

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from apps.tenancy.models import Tenant

from . import services

logger = logging.getLogger(__name__)


@shared_task(name="analytics.rollup_tenant_recent", ignore_result=True)
def rollup_tenant_recent(tenant_id: int) -> int:
    """Yesterday plus the look-back window of one tenant; returns how many days were written."""
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).select_related("parent").first()
    if tenant is None:
        return 0
    return len(services.rollup_recent(tenant))


@shared_task(name="analytics.rollup_everywhere", ignore_result=True)
def rollup_everywhere() -> int:
    """Beat entry point (daily 00:30): queue the recent roll-up of every active tenant."""
    queued = 0
    for tenant in services.tenants_to_roll_up():
        rollup_tenant_recent.delay(tenant.pk)
        queued += 1
    return queued


@shared_task(name="analytics.rollup_today", ignore_result=True)
def rollup_today(tenant_id: int) -> int:
    """Incremental update: today's facts of one tenant (queued, debounced, by schedule_today)."""
    cache.delete(services.debounce_key(tenant_id))
    tenant = Tenant.objects.filter(pk=tenant_id, status=Tenant.Status.ACTIVE).select_related("parent").first()
    if tenant is None:
        return 0
    return services.rollup_tenant_day(tenant, timezone.localdate()).written
