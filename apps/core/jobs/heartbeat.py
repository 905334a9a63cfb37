"""How long a running job may go without a heartbeat before its worker counts as gone."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings

STALE_DEFAULTS = {"ACTIVATION": 600, "ROUTING": 120, "IMPORT": 300, "TENANT_OPERATION": 120}  # seconds, see settings


def threshold(kind: str) -> timedelta:
    """JOBS_<KIND>_STALE_SECONDS: no heartbeat for this long means the worker is gone."""
    return timedelta(seconds=int(getattr(settings, f"JOBS_{kind}_STALE_SECONDS", STALE_DEFAULTS[kind])))
