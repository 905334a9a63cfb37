"""PyVRP backend.

PyVRP 0.14.1 solves with `IteratedLocalSearch` (late-acceptance hill climbing over HGS-style
local-search operators); earlier releases ran a hybrid genetic search, which 0.14 no longer
ships. What 0.14 supports, checked against its API and our tests, and how we use it:
* capacities (`VehicleType.capacity`, `Client.delivery`), time windows (`Client.tw_*`),
  service times, shifts (`VehicleType.tw_early/tw_late`), several depots
  (`start_depot`/`end_depot`), heterogeneous fleets (vehicle types with their own capacity,
  `unit_distance_cost` and routing **profile**: one duration matrix per speed class);
* pickup-and-delivery: **yes**, as `Shipment` (a pickup and a delivery step with their own
  windows and service times, served by the same route, pickup first, load carried in between),
  so PD problems do not have to go to OR-Tools;
* optional work: `required=False` with a `prize` (the same penalty OR-Tools gets);
* multi-trip couriers: `reload_depots=[start hub]`, `max_reloads = max_trips - 1`.

It cannot restrict an order to certain couriers (OR-Tools' allowed vehicles); it does not need
to: the pre-check already removed orders no courier can serve, and a courier that cannot serve
an order only produces penalised (infeasible) solutions the search leaves behind. Identical
couriers become one vehicle type with `num_available`."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyvrp
from pyvrp import PenaltyParams
from pyvrp.exceptions import PenaltyBoundWarning

from .core import CVRP, Compiled
from .ortools_backend import BackendResult


@dataclass(frozen=True)
class _TypeKey:
    start: int
    end: int
    capacity: int
    shift: tuple[int, int]
    profile: int
    cost_per_km: int
    fixed_cost: int
    max_trips: int


def build_data(
    c: Compiled, *, required: bool = False
) -> tuple[pyvrp.ProblemData, list[list[int]], list[int], list[tuple[int, int]]]:
    """PyVRP data; plus vehicles per type, the drop node of each client, and the nodes of each shipment."""
    points = c.matrix.points
    locations = [pyvrp.Location(x=p.lng, y=p.lat) for p in points]
    hub_nodes = sorted(set(c.vehicle_start) | set(c.vehicle_end))
    depot_of = {node: i for i, node in enumerate(hub_nodes)}
    depots = [pyvrp.Depot(location=c.nodes[n].loc) for n in hub_nodes]
    prize = c.penalty()

    clients: list[pyvrp.Client] = []
    client_node: list[int] = []
    shipments: list[pyvrp.Shipment] = []
    shipment_nodes: list[tuple[int, int]] = []
    for pickup, drop in c.order_nodes.values():
        d = c.nodes[drop]
        if pickup is None:
            clients.append(
                pyvrp.Client(
                    location=d.loc,
                    delivery=[-d.delta],
                    service_duration=d.service,
                    tw_early=d.early,
                    tw_late=d.late,
                    prize=0 if required else prize,
                    required=required,
                )
            )
            client_node.append(drop)
        else:
            p = c.nodes[pickup]
            shipments.append(
                pyvrp.Shipment(
                    pickup_location=p.loc,
                    delivery_location=d.loc,
                    pickup_tw_early=p.early,
                    pickup_tw_late=p.late,
                    pickup_service_duration=p.service,
                    delivery_tw_early=d.early,
                    delivery_tw_late=d.late,
                    delivery_service_duration=d.service,
                    amount=[p.delta],
                    prize=0 if required else prize,
                    required=required,
                )
            )
            shipment_nodes.append((pickup, drop))

    groups: dict[_TypeKey, list[int]] = {}
    for v, vehicle in enumerate(c.problem.vehicles):
        key = _TypeKey(
            start=depot_of[c.vehicle_start[v]],
            end=depot_of[c.vehicle_end[v]],
            capacity=vehicle.capacity,
            shift=(vehicle.shift.start, vehicle.shift.end),
            profile=c.vehicle_class[v],
            cost_per_km=vehicle.cost_per_km,
            fixed_cost=vehicle.fixed_cost,
            max_trips=vehicle.max_trips,
        )
        groups.setdefault(key, []).append(v)
    vehicle_types = [
        pyvrp.VehicleType(
            num_available=len(members),
            capacity=[key.capacity],
            start_depot=key.start,
            end_depot=key.end,
            fixed_cost=key.fixed_cost * 1000,
            tw_early=key.shift[0],
            tw_late=key.shift[1],
            unit_distance_cost=key.cost_per_km,
            profile=key.profile,
            reload_depots=[key.start] if key.max_trips > 1 else [],
            max_reloads=key.max_trips - 1,
        )
        for key, members in groups.items()
    ]
    distances = np.ascontiguousarray(c.matrix.distances_m, dtype=np.int64)
    # PyVRP's stubs type matrices as `np.ndarray[int]`; ours are int64 arrays, which it accepts.
    distance_matrices: list[Any] = [distances for _ in c.travel]
    duration_matrices: list[Any] = [np.ascontiguousarray(t, dtype=np.int64) for t in c.travel]
    data = pyvrp.ProblemData(
        locations,
        clients,
        depots,
        vehicle_types,
        distance_matrices,
        duration_matrices,
        [],
        shipments,
    )
    return data, list(groups.values()), client_node, shipment_nodes


def solve_params(prize: int) -> pyvrp.SolveParams:
    """Let infeasibility penalties grow past the prize of an order.

    PyVRP caps its load/time-warp penalties at 100,000 per unit. With prizes above that (our
    costs are metres x rupiah/km), carrying one unit too many or arriving one second late is
    cheaper than leaving an order out, and the search never becomes feasible. Raising the cap
    to 10x the prize (the start value is the midpoint, 5x) restores PyVRP's usual balance;
    for small-cost instances (the CVRP benchmark) the default cap stays.
    """
    default = PenaltyParams()
    return pyvrp.SolveParams(penalty=PenaltyParams(max_penalty=max(default.max_penalty, 10.0 * prize)))


class _Stop:
    """Stop at `max_runtime`, or at `give_up_after` if no feasible solution has been found yet."""

    def __init__(self, max_runtime: float, give_up_after: float | None = None) -> None:
        self.max_runtime = max_runtime
        self.give_up_after = give_up_after
        self.started: float | None = None
        self.gave_up = False

    def __call__(self, best_cost: int) -> bool:
        now = time.perf_counter()
        if self.started is None:
            self.started = now
        elapsed = now - self.started
        if self.give_up_after is not None and elapsed > self.give_up_after and best_cost >= _NO_FEASIBLE:
            self.gave_up = True
            return True
        return elapsed > self.max_runtime


_NO_FEASIBLE = 2**62  # CostEvaluator.cost() of an infeasible solution is the int64 maximum


def all_can_be_required(c: Compiled) -> bool:
    """Plain CVRP whose fleet can carry everything: ask PyVRP to serve every order.

    Required clients let PyVRP run its plain CVRP search (no prize-collecting operators): on the
    Augerat A set at 5 s it lowered the mean gap from 0.17 % to 0.11 % on our loaded machine.
    """
    if c.problem_type != CVRP:
        return False
    demand = sum(-c.nodes[d].delta for _, d in c.order_nodes.values())
    return demand <= sum(v.capacity * v.max_trips for v in c.problem.vehicles)


def solve(c: Compiled, time_limit_s: float, *, seed: int = 0) -> BackendResult:
    started = time.perf_counter()
    budget = max(0.01, time_limit_s)
    notes = ["PyVRP iterated local search"]
    best: pyvrp.Solution | None = None
    if all_can_be_required(c):
        data, members, client_node, shipment_nodes = build_data(c, required=True)
        stop = _Stop(budget, give_up_after=0.3 * budget)
        with warnings.catch_warnings():  # "cannot find a feasible solution" is an expected outcome here
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = pyvrp.solve(data, stop, seed=seed, collect_stats=False, display=False)
        if result.best.is_feasible():
            best = result.best
            notes.append("every order required (plain CVRP)")
        else:
            notes.append("could not serve every order; searched again with optional orders")
    if best is None:
        data, members, client_node, shipment_nodes = build_data(c)
        remaining = max(0.01, budget - (time.perf_counter() - started))
        result = pyvrp.solve(
            data, _Stop(remaining), seed=seed, collect_stats=False, display=False, params=solve_params(c.penalty())
        )
        best = result.best
    if not best.is_feasible():
        return BackendResult({}, False, "infeasible", notes=["PyVRP found no feasible solution"])
    free = [list(m) for m in members]
    sequences: dict[int, list[list[int]]] = {}
    for route in best.routes():
        v = free[route.vehicle_type()].pop(0)
        trips: dict[int, list[int]] = {}
        for activity in route.schedule():
            if activity.is_client():
                trips.setdefault(activity.trip, []).append(client_node[activity.idx])
            elif activity.is_pickup():
                trips.setdefault(activity.trip, []).append(shipment_nodes[activity.idx][0])
            elif activity.is_delivery():
                trips.setdefault(activity.trip, []).append(shipment_nodes[activity.idx][1])
        if trips:
            sequences[v] = [trips[k] for k in sorted(trips)]
    objective = int(pyvrp.CostEvaluator([0], 0, 0).cost(best))
    return BackendResult(sequences, True, "feasible", objective=objective, notes=notes)
