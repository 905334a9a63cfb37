"""Independent plan checker: does a `Plan` keep every promise to the `Problem`?

It re-derives everything from the plan's visits, the problem and the travel matrix (not from
the solver's internal node model), and returns a list of human-readable violations (empty
when the plan is valid). Used by the tests on every returned plan, and usable by the dispatch
layer as a last safety net before sending routes to couriers.
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Sequence

from .matrix import TravelMatrix
from .model import Order, Plan, Problem, Visit, VisitKind, travel_seconds


def _travel(speed_kmh: float, distance_m: int, road_s: int | None) -> int:
    t = travel_seconds(distance_m, speed_kmh)
    return max(t, road_s) if road_s is not None else t


def _hub_goods_after(visits: Sequence[Visit], i: int, orders: dict[str, Order]) -> int:
    """Hub-delivery goods dropped between visit i (START or RELOAD) and the next RELOAD/END."""
    total = 0
    for later in visits[i + 1 :]:
        if later.kind in (VisitKind.RELOAD, VisitKind.END):
            break
        o = orders.get(later.order_id or "")
        if later.kind is VisitKind.DELIVERY and o is not None and o.pickup is None:
            total += o.demand
    return total


def check_plan(problem: Problem, plan: Plan, matrix: TravelMatrix) -> list[str]:
    errors: list[str] = []
    orders: dict[str, Order] = {o.id: o for o in problem.orders}
    vehicles = {v.id: v for v in problem.vehicles}

    # Every order exactly once: served (one drop; one pickup for pairs) or unassigned.
    drops: Counter[str] = Counter()
    pickups: Counter[str] = Counter()
    for route in plan.routes:
        for visit in route.visits[1:-1]:
            if visit.kind is VisitKind.RELOAD:
                continue
            if visit.kind not in (VisitKind.PICKUP, VisitKind.DELIVERY):
                errors.append(f"{route.vehicle_id}: {visit.kind.value} visit in the middle of the route")
            elif visit.order_id is None or visit.order_id not in orders:
                errors.append(f"{route.vehicle_id}: visit for unknown order {visit.order_id!r}")
            elif visit.kind is VisitKind.DELIVERY:
                drops[visit.order_id] += 1
            else:
                pickups[visit.order_id] += 1
    left_out = Counter(u.order_id for u in plan.unassigned)
    for oid, order in orders.items():
        served = drops[oid]
        if served + left_out[oid] != 1:
            errors.append(f"order {oid}: delivered {served}x and unassigned {left_out[oid]}x (must be exactly once)")
        expected_pickups = served if order.pickup is not None else 0
        if pickups[oid] != expected_pickups:
            errors.append(f"order {oid}: {pickups[oid]} pickups for {served} deliveries")
    for u in plan.unassigned:
        if u.order_id not in orders:
            errors.append(f"unassigned entry for unknown order {u.order_id!r}")
        if not u.message:
            errors.append(f"order {u.order_id}: unassigned without a reason")

    seen_vehicles: set[str] = set()
    for route in plan.routes:
        vid = route.vehicle_id
        vehicle = vehicles.get(vid)
        if vehicle is None:
            errors.append(f"route for unknown vehicle {vid!r}")
            continue
        if vid in seen_vehicles:
            errors.append(f"{vid}: more than one route")
        seen_vehicles.add(vid)
        visits = route.visits
        if len(visits) < 2 or visits[0].kind is not VisitKind.START or visits[-1].kind is not VisitKind.END:
            errors.append(f"{vid}: a route must start and end at a hub")
            continue
        if visits[0].point != problem.hub(vehicle.start_hub).point:
            errors.append(f"{vid}: does not start at its hub {vehicle.start_hub}")
        if visits[-1].point != problem.hub(vehicle.home).point:
            errors.append(f"{vid}: does not end at its hub {vehicle.home}")

        # Load: goods for hub deliveries are loaded at the start hub, at the start of the trip
        # (the START or a RELOAD visit) that drops them; pair goods ride from pickup to drop-off.
        carried = 0
        load = _hub_goods_after(visits, 0, orders)
        if visits[0].load_after != load:
            errors.append(f"{vid}: starts with load {visits[0].load_after}, expected {load}")
        peak = load
        if load > vehicle.capacity:
            errors.append(f"{vid}: leaves the hub with {load} > capacity {vehicle.capacity}")
        trips = 1 + sum(1 for v in visits if v.kind is VisitKind.RELOAD)
        if trips > vehicle.max_trips:
            errors.append(f"{vid}: {trips} trips, at most {vehicle.max_trips} allowed")

        # Time and distance.
        if visits[0].departure_s < vehicle.shift.start:
            errors.append(f"{vid}: leaves before its shift starts")
        distance = 0
        picked: set[str] = set()
        for index, (prev, visit) in enumerate(itertools.pairwise(visits), start=1):
            d = matrix.distance(prev.point, visit.point)
            distance += d
            if visit.distance_from_prev_m != d:
                errors.append(
                    f"{vid}: leg to {visit.order_id or 'hub'} says {visit.distance_from_prev_m} m, matrix {d} m"
                )
            earliest = prev.departure_s + _travel(vehicle.speed_kmh, d, matrix.duration(prev.point, visit.point))
            label = f"{vid} at {visit.order_id or 'hub'}"
            if visit.arrival_s < earliest:
                errors.append(f"{label}: arrives at {visit.arrival_s}, cannot be before {earliest}")
            if visit.start_s < visit.arrival_s:
                errors.append(f"{label}: starts service before arriving")
            if visit.kind is VisitKind.END:
                if visit.arrival_s > vehicle.shift.end:
                    errors.append(
                        f"{vid}: back at the hub at {visit.arrival_s}, after the shift ends ({vehicle.shift.end})"
                    )
                continue
            if visit.kind is VisitKind.RELOAD:
                if visit.point != problem.hub(vehicle.start_hub).point:
                    errors.append(f"{label}: reloads away from its hub")
                load = carried + _hub_goods_after(visits, index, orders)
                if visit.load_after != load:
                    errors.append(f"{label}: reload says load {visit.load_after}, expected {load}")
                if load > vehicle.capacity:
                    errors.append(f"{label}: reloads {load} > capacity {vehicle.capacity}")
                peak = max(peak, load)
                continue
            served_order = orders.get(visit.order_id or "")
            if served_order is None:
                continue
            order = served_order
            stop = order.pickup if visit.kind is VisitKind.PICKUP else order.dropoff
            if stop is None:
                errors.append(f"{label}: pickup visit for an order without pickup")
                continue
            if visit.point != stop.point:
                errors.append(f"{label}: wrong place")
            if stop.window is not None and not stop.window.start <= visit.start_s <= stop.window.end:
                errors.append(f"{label}: service at {visit.start_s} outside window {stop.window}")
            if visit.departure_s != visit.start_s + stop.service_s:
                errors.append(f"{label}: leaves before its service time is over")
            if visit.kind is VisitKind.PICKUP:
                picked.add(order.id)
                carried += order.demand
                load += order.demand
            else:
                if order.pickup is not None:
                    if order.id not in picked:
                        errors.append(f"{label}: delivered before being picked up on this route")
                    carried -= order.demand
                load -= order.demand
            if visit.load_after != load:
                errors.append(f"{label}: load says {visit.load_after}, expected {load}")
            if not 0 <= load <= vehicle.capacity:
                errors.append(f"{label}: load {load} outside [0, {vehicle.capacity}]")
            peak = max(peak, load)
        if distance != route.distance_m:
            errors.append(f"{vid}: distance says {route.distance_m} m, legs add up to {distance} m")
        cost = vehicle.fixed_cost + (distance * vehicle.cost_per_km + 500) // 1000
        if route.cost != cost:
            errors.append(f"{vid}: cost says {route.cost}, expected {cost}")
        if route.max_load != peak:
            errors.append(f"{vid}: max load says {route.max_load}, expected {peak}")
    return errors
