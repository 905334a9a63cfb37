"""Hub assignment: which open hubs are nearest to a set of points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db.models import Count, Sum

from apps.core import geo

from ..models import (
    Delivery,
    Hub,
)
from ._common import DStatus
from .hubs import is_open


@dataclass
class HubSlot:
    hub_id: int
    lat: float
    lng: float
    radius_m: float
    slots_left: int
    weight_left: int


def hub_load() -> dict[int, dict[str, Any]]:
    """Per hub id: the open deliveries it holds ("n") and their kg ("kg")."""
    open_states = [DStatus.PENDING, DStatus.BATCHED, DStatus.ASSIGNED]
    return {
        row["hub_id"]: dict(row)
        for row in Delivery.objects.filter(status__in=open_states)
        .values("hub_id")
        .annotate(n=Count("pk"), kg=Sum("weight_kg"))
    }


def hub_slots(at: datetime | None, *, load: dict[int, dict[str, Any]] | None = None) -> list[HubSlot]:
    """Active hubs open at `at` (all active hubs when None) with what they can still take
    (slots and kg of open deliveries)."""
    load = hub_load() if load is None else load
    slots = []
    for hub in Hub.objects.filter(is_active=True).order_by("pk"):
        if at is not None and not is_open(hub, at):
            continue
        used = load.get(hub.pk, {"n": 0, "kg": 0})
        slots.append(
            HubSlot(
                hub_id=hub.pk,
                lat=float(hub.lat),
                lng=float(hub.lng),
                radius_m=float(hub.service_radius_m),
                slots_left=hub.capacity_slots - int(used["n"] or 0),
                weight_left=hub.capacity_weight_kg - int(used["kg"] or 0),
            )
        )
    return slots


def distance_matrix_m(points: Sequence[tuple[float, float]], hubs: Sequence[HubSlot]) -> np.ndarray[Any, Any]:
    """Haversine distances (metres), orders × hubs, in one vectorised pass."""
    if not points or not hubs:
        return np.zeros((len(points), len(hubs)))
    return np.asarray(geo.haversine_matrix_m(points, [(s.lat, s.lng) for s in hubs]))


def nearest_hubs(
    points: Sequence[tuple[float, float]], weights: Sequence[int], hubs: Sequence[HubSlot]
) -> list[int | None]:
    """For each point (in order), the nearest hub that serves it and still has room, or None.

    Vectorised haversine + argsort per row; capacity is consumed as points are placed. The
    final distance of the chosen hub is confirmed with geopy's great-circle distance."""
    from geopy.distance import great_circle

    if not hubs:
        return [None] * len(points)
    matrix = distance_matrix_m(points, hubs)
    reach = np.asarray([s.radius_m for s in hubs])
    reachable = np.where(matrix <= reach[None, :], matrix, np.inf)  # out of a hub's reach: never
    order = np.argsort(reachable, axis=1)
    chosen: list[int | None] = []
    for i, (point, weight) in enumerate(zip(points, weights, strict=True)):
        pick: int | None = None
        for j in order[i]:
            if not np.isfinite(reachable[i, j]):
                break  # sorted: the rest is out of reach too
            slot = hubs[int(j)]
            if slot.slots_left >= 1 and slot.weight_left >= weight:
                pick = int(j)
                break
        if pick is None:
            chosen.append(None)
            continue
        slot = hubs[pick]
        if great_circle(point, (slot.lat, slot.lng)).meters > slot.radius_m + 1:
            chosen.append(None)
            continue
        slot.slots_left -= 1
        slot.weight_left -= weight
        chosen.append(slot.hub_id)
    return chosen
