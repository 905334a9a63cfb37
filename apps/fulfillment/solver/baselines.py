"""Naive dispatch baselines the optimised plan is measured against.

* `own_trips`: every order is its own round trip from its hub (hub → [pickup →] drop-off → hub).
  The hub is given per order (e.g. the hub of the kelurahan the order lies in), else the nearest
  hub to the order's first stop. No capacity or time limits apply: it is the "one courier per
  order" distance.
* `first_come_nearest_courier`: orders are taken in arrival order; each goes to the courier
  whose *current position* is nearest to the order's first stop among those who can still serve
  it in time (window, shift end including the way home) and with room. A courier carries one
  order at a time for pairs (pickup then drop-off); for hub deliveries it fills up at its hub
  and goes back to fill up again when the next order does not fit (at most `max_trips` loads).
  Couriers are never re-planned. This is what a
  dispatcher without a solver does.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from .matrix import TravelMatrix
from .model import Order, Point, Problem, Vehicle, travel_seconds


@dataclass
class BaselineResult:
    name: str
    distance_m: int
    served: list[str]
    unserved: list[str]
    trips: int
    per_vehicle_m: dict[str, int] = field(default_factory=dict)


def _leg_time(matrix: TravelMatrix, v: Vehicle, a: Point, b: Point) -> int:
    t = travel_seconds(matrix.distance(a, b), v.speed_kmh)
    road = matrix.duration(a, b)
    return max(t, road) if road is not None else t


def own_trips(problem: Problem, matrix: TravelMatrix, hub_of: Callable[[Order], str] | None = None) -> BaselineResult:
    total = 0
    for order in problem.orders:
        first = order.pickup.point if order.pickup is not None else order.dropoff.point
        if hub_of is not None:
            hub = problem.hub(hub_of(order)).point
        else:
            hub = min((h.point for h in problem.hubs), key=lambda p: matrix.distance(p, first))
        legs = [hub, *([order.pickup.point] if order.pickup is not None else []), order.dropoff.point, hub]
        total += sum(matrix.distance(a, b) for a, b in itertools.pairwise(legs))
    ids = [o.id for o in problem.orders]
    return BaselineResult("own round trip per order", total, ids, [], len(ids))


@dataclass
class _Courier:
    vehicle: Vehicle
    position: Point
    home: Point
    depot: Point
    time: int
    load: int = 0  # hub goods still on board
    distance: int = 0
    trips: int = 0  # loads taken at the hub


def first_come_nearest_courier(problem: Problem, matrix: TravelMatrix) -> BaselineResult:
    couriers = [
        _Courier(
            vehicle=v,
            position=problem.hub(v.start_hub).point,
            home=problem.hub(v.home).point,
            depot=problem.hub(v.start_hub).point,
            time=v.shift.start,
        )
        for v in problem.vehicles
    ]
    served: list[str] = []
    unserved: list[str] = []
    for order in problem.orders:
        stops = [s for s in (order.pickup, order.dropoff) if s is not None]
        best: tuple[tuple[int, int, int], _Courier, int, int, bool] | None = None
        for rank, c in enumerate(couriers):
            v = c.vehicle
            if order.demand > v.capacity or (order.pickup is not None and c.load + order.demand > v.capacity):
                continue
            reload = order.pickup is None and c.load < order.demand
            if reload and c.trips >= v.max_trips:
                continue
            t, dist, here = c.time, 0, c.position
            if reload:
                t += _leg_time(matrix, v, here, c.depot)
                dist += matrix.distance(here, c.depot)
                here = c.depot
            approach = -1
            ok = True
            for stop in stops:
                t += _leg_time(matrix, v, here, stop.point)
                dist += matrix.distance(here, stop.point)
                here = stop.point
                if approach < 0:
                    approach = dist  # how far this courier is from the order right now
                t = max(t, stop.earliest)
                if stop.latest is not None and t > stop.latest:
                    ok = False
                    break
                t += stop.service_s
            if not ok or t + _leg_time(matrix, v, here, c.home) > v.shift.end:
                continue
            key = (approach, dist, rank)
            if best is None or key < best[0]:
                best = (key, c, t, dist, reload)
        if best is None:
            unserved.append(order.id)
            continue
        _, c, t, dist, reload = best
        if reload:
            c.trips += 1
            c.load = c.vehicle.capacity
        if order.pickup is None:
            c.load -= order.demand
        c.position = order.dropoff.point
        c.time = t
        c.distance += dist
        served.append(order.id)
    per_vehicle: dict[str, int] = {}
    total = 0
    for c in couriers:
        if c.distance:
            c.distance += matrix.distance(c.position, c.home)
        per_vehicle[c.vehicle.id] = c.distance
        total += c.distance
    trips = sum(max(1, c.trips) for c in couriers if c.distance)
    return BaselineResult("first-come nearest courier", total, served, unserved, trips, per_vehicle)
