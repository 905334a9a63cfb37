"""Checks of the job housekeeping (ids kotakita.E900-E999 / W900-W999)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .stale import STALE_DEFAULTS

# Beat entries that keep jobs alive: without them a killed job stays `running` for ever and
# work lost during a broker outage is never repaired.
REQUIRED_BEAT_TASKS = ("jobs.requeue_stale", "jobs.repair_everywhere")


def _hard_limit(task: str) -> int:
    annotation = (getattr(settings, "CELERY_TASK_ANNOTATIONS", None) or {}).get(task) or {}
    return int(annotation.get("time_limit") or settings.CELERY_TASK_TIME_LIMIT or 0)


@register()
def stale_thresholds_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A routing run writes no heartbeat while the solver works; a stale threshold not above the
    task's hard limit would requeue (and so double) a run that is still alive."""
    errors: list[CheckMessage] = []
    for kind, default in STALE_DEFAULTS.items():
        value = getattr(settings, f"JOBS_{kind}_STALE_SECONDS", default)
        if not isinstance(value, int) or value <= 0:
            errors.append(Error(f"JOBS_{kind}_STALE_SECONDS must be a positive number of seconds.", id="kotakita.E901"))
    routing = getattr(settings, "JOBS_ROUTING_STALE_SECONDS", STALE_DEFAULTS["ROUTING"])
    limit = _hard_limit("fulfillment.run_routing_job")
    if isinstance(routing, int) and 0 < routing <= limit:
        errors.append(
            Error(
                f"JOBS_ROUTING_STALE_SECONDS ({routing} s) is not above the routing task's hard time limit "
                f"({limit} s): a routing job still running would be queued a second time.",
                hint="Raise JOBS_ROUTING_STALE_SECONDS or unset it (default 120).",
                id="kotakita.E900",
            )
        )
    return errors


@register(Tags.compatibility, deploy=True)
def housekeeping_scheduled_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    scheduled = {entry.get("task") for entry in (getattr(settings, "CELERY_BEAT_SCHEDULE", None) or {}).values()}
    missing = [task for task in REQUIRED_BEAT_TASKS if task not in scheduled]
    if missing:
        return [
            Warning(
                f"Job housekeeping is not scheduled in CELERY_BEAT_SCHEDULE: {', '.join(missing)}. Killed jobs "
                "stay running and work lost while the broker was down is never repaired.",
                id="kotakita.W900",
            )
        ]
    return []
