"""Key events that trigger an incremental roll-up of the tenant's today (after commit, debounced).

Connected in AnalyticsConfig.ready() to the post_save of the rows whose change moves a
dashboard figure: an order paid or completed, a report filed or resolved, a permit submitted
or issued. The nightly roll-up recomputes everything anyway; this only keeps today fresh.
"""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save

from apps.core.db import connection

from . import services

ORDER_EVENTS = frozenset({"paid", "completed"})
REPORT_EVENTS = frozenset({"resolved", "closed"})
PERMIT_EVENTS = frozenset({"submitted", "issued"})


def _current_tenant() -> Any:
    tenant = getattr(connection, "tenant", None)
    if tenant is None or getattr(tenant, "schema_name", "public") == "public" or not getattr(tenant, "pk", None):
        return None
    return tenant


def _schedule() -> None:
    tenant = _current_tenant()
    if tenant is not None:
        services.schedule_today(tenant)


def on_order_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if instance.status in ORDER_EVENTS:
        _schedule()


def on_report_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if created or instance.status in REPORT_EVENTS:
        _schedule()


def on_permit_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if instance.status in PERMIT_EVENTS:
        _schedule()


def connect() -> None:
    from apps.marketplace.models import Order
    from apps.permits.models import Permit
    from apps.reports.models import Report

    post_save.connect(on_order_saved, sender=Order, dispatch_uid="analytics-order")
    post_save.connect(on_report_saved, sender=Report, dispatch_uid="analytics-report")
    post_save.connect(on_permit_saved, sender=Permit, dispatch_uid="analytics-permit")
