"""Deploy checks of observability (ids kotakita.W7xx)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register


@register(Tags.security, deploy=True)
def check_sentry(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.SENTRY_DSN:
        return [
            Warning(
                "SENTRY_DSN is not set: errors in production are only in the logs, nobody is alerted.",
                hint="Set SENTRY_DSN (and SENTRY_ENVIRONMENT, SENTRY_RELEASE) in the environment.",
                id="kotakita.W701",
            )
        ]
    return []


@register(Tags.security, deploy=True)
def check_metrics_access(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    if not settings.METRICS_TOKEN and not settings.METRICS_ALLOWED_IPS:
        return [
            Warning(
                "METRICS_TOKEN is not set (nor METRICS_ALLOWED_IPS): /metrics answers 404 and Prometheus cannot "
                "scrape the platform.",
                hint="Set METRICS_TOKEN to a long random value and give it to Prometheus as a bearer token.",
                id="kotakita.W702",
            )
        ]
    if settings.METRICS_TOKEN and len(settings.METRICS_TOKEN) < 32:
        return [
            Warning(
                "METRICS_TOKEN is shorter than 32 characters.",
                hint="Use e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`.",
                id="kotakita.W703",
            )
        ]
    return []
