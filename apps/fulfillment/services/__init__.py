"""Fulfillment writes: hubs, consignment, couriers, deliveries, dispatch, routing jobs, courier actions.

Every write is one atomic function raising `apps.core.errors`. Lock order, so nothing
deadlocks: routing job → delivery rows (ascending id) → marketplace order (its own
`transition`) → stock rows. Status changes of a delivery go through `_move`, which writes a
`DeliveryEvent` and notifies the buyer and the shop in the same transaction.
"""

from __future__ import annotations

from ._common import (
    REASONS,
    DStatus,
    TooManyRequests,
    clean_point,
    clean_times,
    next_cutoff,
    reason_label,
    tenant_area,
)
from .assignment import HubSlot, distance_matrix_m, hub_slots, nearest_hubs
from .courier_actions import (
    PROOF_RULE,
    cancel_delivery,
    cancel_for_order,
    mark_delivered,
    mark_failed,
    mark_picked_up,
    sync_external,
)
from .couriers import courier_of, record_ping, register_courier, set_availability
from .deliveries import create_delivery, otp_for
from .dispatch import (
    batch_now,
    book_external_for_batch,
    build_problem,
    dispatch_due,
    gateway,
    matrix_provider,
    next_due,
    queue_routing,
    retry_routing_job,
    run_routing_job,
)
from .hubs import consign, create_hub, is_open, update_hub

__all__ = [
    "PROOF_RULE",
    "REASONS",
    "DStatus",
    "HubSlot",
    "TooManyRequests",
    "batch_now",
    "book_external_for_batch",
    "build_problem",
    "cancel_delivery",
    "cancel_for_order",
    "clean_point",
    "clean_times",
    "consign",
    "courier_of",
    "create_delivery",
    "create_hub",
    "dispatch_due",
    "distance_matrix_m",
    "gateway",
    "hub_slots",
    "is_open",
    "mark_delivered",
    "mark_failed",
    "mark_picked_up",
    "matrix_provider",
    "nearest_hubs",
    "next_cutoff",
    "next_due",
    "otp_for",
    "queue_routing",
    "reason_label",
    "record_ping",
    "register_courier",
    "retry_routing_job",
    "run_routing_job",
    "set_availability",
    "sync_external",
    "tenant_area",
    "update_hub",
]
