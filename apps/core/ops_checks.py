"""Start-up and deploy checks of the Celery set-up (ids kotakita.E600-E699 / W600-W699)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register


def longest_hard_limit() -> int:
    limits = [int(settings.CELERY_TASK_TIME_LIMIT or 0)]
    for annotation in (getattr(settings, "CELERY_TASK_ANNOTATIONS", None) or {}).values():
        if isinstance(annotation, dict) and annotation.get("time_limit"):
            limits.append(int(annotation["time_limit"]))
    return max(limits)


@register()
def visibility_timeout_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """A visibility timeout shorter than a task's hard limit hands a running task to a second worker."""
    options = getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", None) or {}
    timeout = options.get("visibility_timeout", 3600)  # kombu's Redis default
    longest = longest_hard_limit()
    if int(timeout) <= longest:
        return [
            Error(
                f"The broker's visibility timeout ({timeout} s) is not longer than the longest task "
                f"hard time limit ({longest} s): a long task would be redelivered while it still runs.",
                hint="Raise CELERY_VISIBILITY_TIMEOUT above the longest hard limit, or unset it.",
                id="kotakita.E600",
            )
        ]
    return []


@register(Tags.compatibility, deploy=True)
def broker_configured_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """Without a broker every task runs inside the web request and beat has nothing to send to."""
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False):
        return [
            Warning(
                "No Celery broker is configured: tasks run inside web requests and no periodic job runs.",
                hint="Set REDIS_URL (or CELERY_BROKER_URL) and run the workers and beat from deploy/.",
                id="kotakita.W600",
            )
        ]
    return []
