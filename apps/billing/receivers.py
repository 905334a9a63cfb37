"""Keep the tenant status history that prorates subscriptions (work is in services)."""

from __future__ import annotations

from typing import Any

from apps.tenancy.models import Tenant


def tenant_saved(sender: Any, instance: Tenant, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.is_public:
        return
    from .services import record_status

    record_status(instance)
