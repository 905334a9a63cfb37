"""Signal receivers: a cancelled marketplace order drops its not-yet-picked-up delivery."""

from __future__ import annotations

from typing import Any

from django.db import transaction


def order_event_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    if not created or instance.action not in ("cancel", "expire"):
        return
    from . import services

    order_id = instance.order_id
    transaction.on_commit(lambda: services.cancel_for_order(order_id))
