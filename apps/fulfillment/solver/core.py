"""Backend-independent core: index the problem, pre-check orders, and turn visit sequences into routes.

The backends only decide *which courier visits which nodes in which order*. Everything the
caller sees (arrival times, loads, distance, cost) is recomputed here from the travel matrix,
with the same integer travel times the backends were given, and every route is checked while
it is built: a stop that would break a window, the shift or the capacity (which no correct
backend produces) is taken out again and its order reported as unassigned, never returned.

Node layout: hub nodes first (only hubs some courier starts or ends at), then for every order
that passed the pre-check its pickup node (pairs only) and its drop node.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .matrix import IntMatrix, TravelMatrix
from .model import (
    Objective,
    Order,
    Point,
    Problem,
    Reason,
    Route,
    Stop,
    Unassigned,
    Vehicle,
    Visit,
    VisitKind,
    clock,
)

CVRP = "cvrp"  # one hub, identical single-trip couriers, no time windows, no pairs
VRPTW = "vrptw"  # time windows / shifts / mixed fleet / several hubs / multi-trip, no pairs
PDP = "pdp"  # at least one pickup-and-delivery pair


@dataclass(frozen=True, slots=True)
class Node:
    kind: VisitKind  # START for hub nodes
    loc: int  # row in the travel matrix
    order: int  # index into problem.orders, -1 for hubs
    delta: int  # load change when served (pickup +q, any drop -q)
    early: int
    late: int
    service: int


@dataclass
class Compiled:
    problem: Problem
    matrix: TravelMatrix
    nodes: list[Node]
    hub_node: dict[str, int]
    order_nodes: dict[int, tuple[int | None, int]]  # order index -> (pickup node, drop node)
    vehicle_start: list[int]
    vehicle_end: list[int]
    travel: list[IntMatrix]  # per speed class, location level, seconds
    vehicle_class: list[int]
    candidates: dict[int, list[int]]  # order index -> vehicles that can serve it alone
    rejected: list[Unassigned]
    horizon: int
    problem_type: str
    objective: Objective = Objective.COST

    def vehicle(self, v: int) -> Vehicle:
        return self.problem.vehicles[v]

    def dist(self, a: int, b: int) -> int:
        """Metres between two nodes."""
        return int(self.matrix.distances_m[self.nodes[a].loc, self.nodes[b].loc])

    def time(self, v: int, a: int, b: int) -> int:
        """Travel seconds between two nodes for vehicle `v` (service not included)."""
        return int(self.travel[self.vehicle_class[v]][self.nodes[a].loc, self.nodes[b].loc])

    def node_distance_matrix(self) -> IntMatrix:
        locs = np.array([n.loc for n in self.nodes], dtype=np.int64)
        return self.matrix.distances_m[np.ix_(locs, locs)]

    def node_travel_matrix(self, speed_class: int) -> IntMatrix:
        locs = np.array([n.loc for n in self.nodes], dtype=np.int64)
        return self.travel[speed_class][np.ix_(locs, locs)]

    def unit_cost(self, v: int) -> int:
        """What one metre driven by vehicle `v` costs in the objective (millirupiah, or 1 metre)."""
        return 1 if self.objective is Objective.DISTANCE else self.vehicle(v).cost_per_km

    def fixed_cost(self, v: int) -> int:
        """Rupiah the objective charges for using vehicle `v` at all (0 when minimising distance)."""
        return 0 if self.objective is Objective.DISTANCE else self.vehicle(v).fixed_cost

    def penalty(self) -> int:
        """Cost of leaving an order out: more than serving it can ever cost, so serving wins."""
        n = len(self.problem.vehicles)
        max_cpk = max((self.unit_cost(v) for v in range(n)), default=1)
        max_fixed = max((self.fixed_cost(v) for v in range(n)), default=0)
        max_d = int(self.matrix.distances_m.max()) if len(self.matrix.points) else 0
        return 10 * (4 * max_d * max(1, max_cpk) + 1000 * max_fixed) + 1000

    def pair_orders(self) -> list[int]:
        return [o for o, (p, _) in self.order_nodes.items() if p is not None]


def speed_classes(vehicles: Sequence[Vehicle]) -> tuple[list[float], list[int]]:
    speeds: list[float] = []
    of: list[int] = []
    for v in vehicles:
        if v.speed_kmh not in speeds:
            speeds.append(v.speed_kmh)
        of.append(speeds.index(v.speed_kmh))
    return speeds, of


def travel_matrix(matrix: TravelMatrix, speed_kmh: float) -> IntMatrix:
    """Seconds: distance at `speed_kmh`, but never faster than the road duration when known."""
    secs = np.ceil(matrix.distances_m.astype(np.float64) * 3.6 / speed_kmh - 1e-9).astype(np.int64)
    secs = np.maximum(secs, 0)
    if matrix.durations_s is not None:
        secs = np.maximum(secs, matrix.durations_s)
    return secs


def _window(stop: Stop, horizon: int) -> tuple[int, int]:
    early = stop.earliest
    late = stop.latest if stop.latest is not None else horizon
    return early, min(late, horizon)


@dataclass
class _Reach:
    capacity_ok: bool
    window_ok: bool
    shift_ok: bool
    earliest_arrival: int  # at the stop whose window binds first (pickup, else drop)
    missed: Stop | None  # the stop whose window could not be met


def _reach(problem: Problem, matrix: TravelMatrix, travel: IntMatrix, v: Vehicle, order: Order) -> _Reach:
    """Could `v` serve `order` alone, starting at its shift start from its hub?"""
    loc = matrix.index(problem.hub(v.start_hub).point)
    t = v.shift.start
    stops = [s for s in (order.pickup, order.dropoff) if s is not None]
    window_ok = True
    missed: Stop | None = None
    first_arrival = -1
    for stop in stops:
        nxt = matrix.index(stop.point)
        arrival = t + int(travel[loc, nxt])
        if first_arrival < 0:
            first_arrival = arrival
        start = max(arrival, stop.earliest)
        if stop.latest is not None and start > stop.latest:
            window_ok = False
            missed = stop
            first_arrival = arrival
            break
        t = start + stop.service_s
        loc = nxt
    shift_ok = False
    if window_ok:
        end = t + int(travel[loc, matrix.index(problem.hub(v.home).point)])
        shift_ok = end <= v.shift.end
    return _Reach(order.demand <= v.capacity, window_ok, shift_ok, first_arrival, missed)


def _reject(problem: Problem, order: Order, reaches: list[_Reach]) -> Unassigned | None:
    if not reaches:
        return Unassigned(order.id, Reason.NO_VEHICLES, "no courier is on shift")
    vehicles = problem.vehicles
    if not any(r.capacity_ok for r in reaches):
        biggest = max(v.capacity for v in vehicles)
        return Unassigned(
            order.id,
            Reason.EXCEEDS_CAPACITY,
            f"demand {order.demand} exceeds every vehicle's capacity (largest is {biggest})",
        )
    if not any(r.window_ok for r in reaches):
        earliest = min(r.earliest_arrival for r in reaches)
        missed = next((r.missed for r in reaches if r.missed is not None), order.dropoff)
        label = missed.window.label() if missed.window is not None else "?"
        where = "pickup" if missed is order.pickup else "drop-off"
        return Unassigned(
            order.id,
            Reason.WINDOW_UNREACHABLE,
            f"time window cannot be reached: {where} window {label} closes before the earliest courier "
            f"can get there ({clock(earliest)})",
        )
    if not any(r.window_ok and r.shift_ok for r in reaches):
        return Unassigned(
            order.id,
            Reason.NO_SHIFT_TIME,
            "no time left in any shift: no courier can serve it and get back to the hub before the shift ends",
        )
    if not any(r.capacity_ok and r.window_ok and r.shift_ok for r in reaches):
        return Unassigned(
            order.id,
            Reason.NO_SUITABLE_VEHICLE,
            "no single courier has both the capacity and the time for it (the ones big enough cannot make it in time)",
        )
    return None


def problem_type(problem: Problem, routable: Sequence[int]) -> str:
    orders = [problem.orders[i] for i in routable]
    if any(o.is_pair for o in orders):
        return PDP
    vs = problem.vehicles
    uniform = len({(v.start_hub, v.home, v.capacity, v.speed_kmh, v.cost_per_km, v.fixed_cost, v.shift) for v in vs})
    single_trip = all(v.max_trips == 1 for v in vs)
    if uniform <= 1 and single_trip and all(o.dropoff.window is None for o in orders):
        return CVRP
    return VRPTW


def compile_problem(problem: Problem, matrix: TravelMatrix, objective: Objective = Objective.COST) -> Compiled:
    vehicles = problem.vehicles
    speeds, vclass = speed_classes(vehicles)
    travel = [travel_matrix(matrix, s) for s in speeds]
    horizon = max((v.shift.end for v in vehicles), default=0)

    candidates: dict[int, list[int]] = {}
    rejected: list[Unassigned] = []
    for oi, order in enumerate(problem.orders):
        reaches = [_reach(problem, matrix, travel[vclass[vi]], v, order) for vi, v in enumerate(vehicles)]
        reason = _reject(problem, order, reaches)
        if reason is not None:
            rejected.append(reason)
            continue
        candidates[oi] = [vi for vi, r in enumerate(reaches) if r.capacity_ok and r.window_ok and r.shift_ok]

    nodes: list[Node] = []
    hub_node: dict[str, int] = {}
    for hub in problem.hubs:
        if any(hub.id in (v.start_hub, v.home) for v in vehicles):
            hub_node[hub.id] = len(nodes)
            nodes.append(Node(VisitKind.START, matrix.index(hub.point), -1, 0, 0, horizon, 0))
    order_nodes: dict[int, tuple[int | None, int]] = {}
    for oi in candidates:
        order = problem.orders[oi]
        pickup_node: int | None = None
        if order.pickup is not None:
            early, late = _window(order.pickup, horizon)
            pickup_node = len(nodes)
            nodes.append(
                Node(
                    VisitKind.PICKUP,
                    matrix.index(order.pickup.point),
                    oi,
                    order.demand,
                    early,
                    late,
                    order.pickup.service_s,
                )
            )
        early, late = _window(order.dropoff, horizon)
        drop_node = len(nodes)
        nodes.append(
            Node(
                VisitKind.DELIVERY,
                matrix.index(order.dropoff.point),
                oi,
                -order.demand,
                early,
                late,
                order.dropoff.service_s,
            )
        )
        order_nodes[oi] = (pickup_node, drop_node)

    return Compiled(
        problem=problem,
        matrix=matrix,
        nodes=nodes,
        hub_node=hub_node,
        order_nodes=order_nodes,
        vehicle_start=[hub_node[v.start_hub] for v in vehicles],
        vehicle_end=[hub_node[v.home] for v in vehicles],
        travel=travel,
        vehicle_class=vclass,
        candidates=candidates,
        rejected=rejected,
        horizon=horizon,
        problem_type=problem_type(problem, list(candidates)),
        objective=objective,
    )


# ---------------------------------------------------------------- routes from sequences


class _Broken(Exception):
    def __init__(self, order: int) -> None:
        super().__init__(order)
        self.order = order


Trips = list[list[int]]  # one vehicle's trips, each a list of node ids (hubs excluded)


def _is_hub_delivery(c: Compiled, n: int) -> bool:
    node = c.nodes[n]
    return node.kind is VisitKind.DELIVERY and c.order_nodes[node.order][0] is None


def _validate_sequence(c: Compiled, v: int, trips: Trips) -> None:
    nodes = c.nodes
    flat = [n for trip in trips for n in trip]
    if len(trips) > c.vehicle(v).max_trips:
        raise _Broken(nodes[trips[-1][-1]].order)
    seen_pickup: set[int] = set()
    for n in flat:
        node = nodes[n]
        if node.order not in c.order_nodes or v not in c.candidates.get(node.order, []):
            raise _Broken(node.order)
        if node.kind is VisitKind.PICKUP:
            seen_pickup.add(node.order)
        elif c.order_nodes[node.order][0] is not None and node.order not in seen_pickup:
            raise _Broken(node.order)  # delivery before (or without) its pickup
    drops = {nodes[n].order for n in flat if nodes[n].kind is VisitKind.DELIVERY}
    for order in seen_pickup:
        if order not in drops:
            raise _Broken(order)  # picked up but never delivered


def _schedule(c: Compiled, v: int, trips: Trips) -> Route:
    """Earliest-start schedule of `trips` for vehicle `v`; raises `_Broken` on any violation.

    Goods for hub deliveries are loaded at the start hub, at the start of the trip that drops
    them; goods of pickup-delivery pairs are on board from pickup to drop-off.
    """
    _validate_sequence(c, v, trips)
    vehicle = c.vehicle(v)
    nodes = c.nodes
    start_node = c.vehicle_start[v]
    hub_point = c.problem.hub(vehicle.start_hub).point
    t = vehicle.shift.start
    carried = 0  # pair goods on board
    visits: list[Visit] = []
    prev = start_node
    distance = 0
    max_load = 0
    for k, trip in enumerate(trips):
        hub_goods = sum(-nodes[n].delta for n in trip if _is_hub_delivery(c, n))
        if hub_goods + carried > vehicle.capacity:
            raise _Broken(nodes[trip[-1]].order)
        if k == 0:
            visits.append(Visit(VisitKind.START, hub_point, None, t, t, t, hub_goods, 0))
        else:
            d = c.dist(prev, start_node)
            arrival = visits[-1].departure_s + c.time(v, prev, start_node)
            distance += d
            visits.append(Visit(VisitKind.RELOAD, hub_point, None, arrival, arrival, arrival, hub_goods + carried, d))
            prev = start_node
        max_load = max(max_load, hub_goods + carried)
        for n in trip:
            node = nodes[n]
            d = c.dist(prev, n)
            arrival = visits[-1].departure_s + c.time(v, prev, n)
            begin = max(arrival, node.early)
            if begin > node.late:
                raise _Broken(node.order)
            if _is_hub_delivery(c, n):
                hub_goods += node.delta
            else:
                carried += node.delta
            load = hub_goods + carried
            if load > vehicle.capacity or load < 0:
                raise _Broken(node.order)
            max_load = max(max_load, load)
            order = c.problem.orders[node.order]
            stop = order.pickup if node.kind is VisitKind.PICKUP and order.pickup is not None else order.dropoff
            visits.append(Visit(node.kind, stop.point, order.id, arrival, begin, begin + node.service, load, d))
            distance += d
            prev = n
    end_node = c.vehicle_end[v]
    d = c.dist(prev, end_node)
    arrival = visits[-1].departure_s + c.time(v, prev, end_node)
    if arrival > vehicle.shift.end:
        raise _Broken(nodes[trips[-1][-1]].order)
    distance += d
    visits.append(Visit(VisitKind.END, c.problem.hub(vehicle.home).point, None, arrival, arrival, arrival, carried, d))

    # Leave the hub later instead of waiting at the first stop.
    if len(visits) > 2 and visits[1].wait_s > 0:
        delay = visits[1].wait_s
        s0, first = visits[0], visits[1]
        visits[0] = Visit(
            s0.kind, s0.point, None, s0.arrival_s, s0.start_s + delay, s0.departure_s + delay, s0.load_after, 0
        )
        visits[1] = Visit(
            first.kind,
            first.point,
            first.order_id,
            first.arrival_s + delay,
            first.start_s,
            first.departure_s,
            first.load_after,
            first.distance_from_prev_m,
        )
    cost = vehicle.fixed_cost + (distance * vehicle.cost_per_km + 500) // 1000
    return Route(
        vehicle_id=vehicle.id,
        visits=tuple(visits),
        distance_m=distance,
        duration_s=visits[-1].arrival_s - visits[0].departure_s,
        cost=cost,
        max_load=max_load,
    )


def build_routes(c: Compiled, sequences: dict[int, Trips]) -> tuple[list[Route], list[Unassigned], list[str]]:
    """Routes for the backend's trips; orders not (validly) routed come back as unassigned."""
    routes: list[Route] = []
    notes: list[str] = []
    placed: set[int] = set()
    for v in sorted(sequences):
        seen: set[int] = set()
        trips: Trips = []
        for trip in sequences[v]:
            kept = []
            for n in trip:  # every order node once, orders placed on earlier routes skipped
                if c.nodes[n].order >= 0 and c.nodes[n].order not in placed and n not in seen:
                    kept.append(n)
                    seen.add(n)
            if kept:
                trips.append(kept)
        while trips:
            try:
                route = _schedule(c, v, trips)
            except _Broken as broken:
                notes.append(
                    f"backend route for {c.vehicle(v).id} broke a constraint at order "
                    f"{c.problem.orders[broken.order].id}; that order was taken out"
                )
                trips = [kept for trip in trips if (kept := [n for n in trip if c.nodes[n].order != broken.order])]
                continue
            routes.append(route)
            placed.update(c.nodes[n].order for trip in trips for n in trip)
            break
    dropped = [
        Unassigned(
            c.problem.orders[o].id,
            Reason.NO_ROOM_LEFT,
            "left out by the solver: the couriers who could take it have no capacity or shift time left",
        )
        for o in c.order_nodes
        if o not in placed
    ]
    return routes, dropped, notes


def first_point(order: Order) -> Point:
    return order.pickup.point if order.pickup is not None else order.dropoff.point
