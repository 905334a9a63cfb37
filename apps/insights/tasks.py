"""Celery entry points of insights (tenant-aware: each runs in the schema it was queued in)."""

from __future__ import annotations

from celery import shared_task

from apps.accounts.models import User
from apps.tenancy.fanout import enqueue_in_every_tenant

from . import services
from .models import ForecastRun


@shared_task(name="insights.forecast", ignore_result=True)
def forecast(week: str = "", force: bool = False, actor_id: int | None = None) -> dict[str, object]:
    """This tenant's forecast for `week` (default this week); idempotent unless `force`."""
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    trigger = ForecastRun.Trigger.MANUAL if actor else ForecastRun.Trigger.SCHEDULE
    outcome = services.run_forecast(week or None, force=force, actor=actor, trigger=trigger)
    return {"week": outcome.run.week.isoformat(), "computed": outcome.computed, "series": outcome.run.series}


@shared_task(name="insights.forecast_everywhere", ignore_result=True)
def forecast_everywhere() -> int:
    """Weekly beat entry point (public schema): queue `forecast` in every active tenant."""
    return enqueue_in_every_tenant(forecast)
