"""The delivery workflow as data (a core Machine); services take every status change from it.

    create → pending ─batch→ batched ─assign / assign_external→ assigned ─pick_up→ picked_up ─deliver→ delivered
    batched, assigned, picked_up ─requeue→ pending (no courier, or the external booking fell through)
    assigned, picked_up ─fail→ failed;  pending, batched, assigned ─cancel→ cancelled

Who acts (hub operator, courier, staff, the system) is checked by the services.
"""

from __future__ import annotations

from apps.core.workflow import Machine, Step

from .models import Delivery

S = Delivery.Status

DELIVERY: Machine[None] = Machine(
    "delivery",
    S.values,
    (
        Step("batch", (S.PENDING,), S.BATCHED),
        Step("assign", (S.BATCHED,), S.ASSIGNED),
        Step("assign_external", (S.BATCHED,), S.ASSIGNED),
        Step("requeue", (S.BATCHED, S.ASSIGNED, S.PICKED_UP), S.PENDING),
        Step("pick_up", (S.ASSIGNED,), S.PICKED_UP),
        Step("deliver", (S.PICKED_UP,), S.DELIVERED),
        Step("fail", (S.ASSIGNED, S.PICKED_UP), S.FAILED),
        Step("cancel", (S.PENDING, S.BATCHED, S.ASSIGNED), S.CANCELLED),
    ),
)
