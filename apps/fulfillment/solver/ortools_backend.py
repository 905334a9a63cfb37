"""OR-Tools routing backend (the baseline, as the design card asks).

Model:
* one arc-cost matrix per cost class (metres × rupiah/km, or metres alone for
  `Objective.DISTANCE`; an exact integer), registered with
  `RegisterTransitMatrix` so costs are evaluated in C++ (no Python callbacks in the search);
* **load**: single-trip plain deliveries only → the classic CVRP capacity dimension (demand
  accumulated from 0). With pickup-delivery pairs or reloads the dimension carries the real
  load on board: a delivery loaded at the hub is −q, a pickup +q, a paired drop −q; the start
  cumul is free in [0, capacity] and the end cumul is fixed to 0, which makes the start load
  exactly the goods loaded at the hub, and every cumul stays within [0, capacity];
* **time**: travel seconds per speed class plus the service time of the node left
  (`AddDimensionWithVehicleTransits`), waiting allowed (slack), stop windows on the cumuls,
  shifts on the start/end cumuls. Left out when it cannot bind (no windows, no pairs, no reloads
  and no shift that even a route through every order would overrun), as in the CVRP benchmark;
* **multi-trip** couriers (`max_trips` > 1): `max_trips - 1` optional *reload nodes* at the
  courier's start hub (penalty 0, that courier only), where the load dimension's slack lets it
  take on the goods for the next trip (slack is 0 everywhere else), as in OR-Tools' reload
  example. With pairs *and* reloads a second dimension, "hub", counts only hub goods; its start
  cumul and reload slacks are tied to "load"'s, so pair goods on board cannot stand in for hub
  goods not yet loaded (load = hub goods + pair goods at every stop);
* **pairs**: `AddPickupAndDelivery`, same vehicle (`VehicleVar` equality) and pickup before
  delivery (time cumuls);
* every order is a disjunction with a penalty larger than any serving cost, so orders that do
  not fit are dropped instead of making the model infeasible; couriers that failed an order's
  pre-check are excluded through the node's vehicle variable (`VehicleVar(i).SetValues`, -1
  meaning unperformed; `SetAllowedVehiclesForIndex` does not accept Python lists in 9.15's SWIG
  wrapper);
* search: PATH_CHEAPEST_ARC (CVRP) or PARALLEL_CHEAPEST_INSERTION (windows/pairs) first
  solution, then GUIDED_LOCAL_SEARCH until the time limit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from ortools.constraint_solver import pywrapcp as _pywrapcp
from ortools.constraint_solver import routing_enums_pb2

from .core import CVRP, Compiled
from .model import FirstSolution, VisitKind

# The SWIG stubs shipped with OR-Tools are unannotated; going through Any keeps mypy strict
# from flagging every call as untyped.
cp: Any = _pywrapcp


@dataclass
class BackendResult:
    sequences: dict[int, list[list[int]]]  # vehicle index -> trips of node ids (hubs excluded)
    found: bool
    status: str
    objective: int | None = None
    notes: list[str] = field(default_factory=list)


def _time_can_bind(c: Compiled) -> bool:
    if c.pair_orders() or any(v.max_trips > 1 for v in c.problem.vehicles):
        return True
    if any(n.order >= 0 and (n.early > 0 or n.late < c.horizon) for n in c.nodes):
        return True
    # A crude upper bound on any route's duration: the longest leg out of every node, plus service.
    for cls, travel in enumerate(c.travel):
        locs = [n.loc for n in c.nodes]
        worst = int(travel[locs][:, locs].max(axis=1).sum()) + sum(n.service for n in c.nodes)
        for v, vehicle in enumerate(c.problem.vehicles):
            if c.vehicle_class[v] == cls and vehicle.shift.start + worst > vehicle.shift.end:
                return True
    return False


def first_solution_for(c: Compiled, choice: FirstSolution) -> FirstSolution:
    if choice is not FirstSolution.AUTO:
        return choice
    return FirstSolution.PATH_CHEAPEST_ARC if c.problem_type == CVRP else FirstSolution.PARALLEL_CHEAPEST_INSERTION


def solve(
    c: Compiled, time_limit_s: float, *, seed: int = 0, first: FirstSolution = FirstSolution.AUTO
) -> BackendResult:
    vehicles = c.problem.vehicles
    n_vehicles = len(vehicles)
    # Optional reload nodes: max_trips - 1 per courier, at its start hub, for that courier only.
    reload_of: list[int] = [v for v, vehicle in enumerate(vehicles) for _ in range(vehicle.max_trips - 1)]
    first_reload = len(c.nodes)
    locs = np.array([n.loc for n in c.nodes] + [c.nodes[c.vehicle_start[v]].loc for v in reload_of], dtype=np.int64)
    n_nodes = len(locs)
    manager = cp.RoutingIndexManager(n_nodes, n_vehicles, c.vehicle_start, c.vehicle_end)
    routing = cp.RoutingModel(manager)
    solver = routing.solver()

    def rows(m: npt.NDArray[np.int64]) -> list[list[int]]:
        # RegisterTransitMatrix takes a node x node matrix (OR-Tools maps indices to nodes).
        out: list[list[int]] = m.tolist()
        return out

    # Arc costs per cost class.
    dist = c.matrix.distances_m[np.ix_(locs, locs)]
    cost_index: dict[int, int] = {}
    for v in range(n_vehicles):
        cpk = c.unit_cost(v)
        if cpk not in cost_index:
            cost_index[cpk] = routing.RegisterTransitMatrix(rows(dist * cpk))
        routing.SetArcCostEvaluatorOfVehicle(cost_index[cpk], v)
        if c.fixed_cost(v):
            routing.SetFixedCostOfVehicle(c.fixed_cost(v) * 1000, v)

    # Load.
    capacities = [v.capacity for v in vehicles]
    pairs = set(c.pair_orders())
    if c.pair_orders() or reload_of:
        deltas = [n.delta for n in c.nodes] + [0] * len(reload_of)
        load_cb = routing.RegisterUnaryTransitVector(deltas)
        routing.AddDimensionWithVehicleCapacity(load_cb, max(capacities), capacities, False, "load")
        load = routing.GetDimensionOrDie("load")
        for node_id, node in enumerate(c.nodes):
            if node.order >= 0:  # goods change hands only at reload nodes
                load.SlackVar(manager.NodeToIndex(node_id)).SetValue(0)
        for v in range(n_vehicles):
            load.SlackVar(routing.Start(v)).SetValue(0)
            load.CumulVar(routing.End(v)).SetValue(0)
        if c.pair_orders() and reload_of:
            # With both, "load" alone would let pair goods stand in for hub goods not loaded yet.
            # "hub" tracks the hub goods on board; linking its start and reload amounts to
            # "load"'s makes load = hub goods + pair goods exactly.
            hub_deltas = [n.delta if n.kind is VisitKind.DELIVERY and n.order not in pairs else 0 for n in c.nodes]
            hub_cb = routing.RegisterUnaryTransitVector(hub_deltas + [0] * len(reload_of))
            routing.AddDimensionWithVehicleCapacity(hub_cb, max(capacities), capacities, False, "hub")
            hub = routing.GetDimensionOrDie("hub")
            for node_id, node in enumerate(c.nodes):
                if node.order >= 0:
                    hub.SlackVar(manager.NodeToIndex(node_id)).SetValue(0)
            for v in range(n_vehicles):
                hub.SlackVar(routing.Start(v)).SetValue(0)
                hub.CumulVar(routing.End(v)).SetValue(0)
                solver.Add(hub.CumulVar(routing.Start(v)) == load.CumulVar(routing.Start(v)))
            for i in range(len(reload_of)):
                index = manager.NodeToIndex(first_reload + i)
                solver.Add(hub.SlackVar(index) == load.SlackVar(index))
    else:
        load_cb = routing.RegisterUnaryTransitVector([-n.delta for n in c.nodes])
        routing.AddDimensionWithVehicleCapacity(load_cb, 0, capacities, True, "load")

    # Time.
    time_dim: Any = None
    if _time_can_bind(c):
        service = np.array([[n.service] for n in c.nodes] + [[0]] * len(reload_of), dtype=np.int64)
        class_index = [routing.RegisterTransitMatrix(rows(travel[np.ix_(locs, locs)] + service)) for travel in c.travel]
        routing.AddDimensionWithVehicleTransits(
            [class_index[c.vehicle_class[v]] for v in range(n_vehicles)], c.horizon, c.horizon, False, "time"
        )
        time_dim = routing.GetDimensionOrDie("time")
        for node_id, node in enumerate(c.nodes):
            if node.order >= 0:
                time_dim.CumulVar(manager.NodeToIndex(node_id)).SetRange(node.early, node.late)
        for v, vehicle in enumerate(vehicles):
            time_dim.CumulVar(routing.Start(v)).SetRange(vehicle.shift.start, vehicle.shift.end)
            time_dim.CumulVar(routing.End(v)).SetRange(vehicle.shift.start, vehicle.shift.end)

    # Reload nodes: free to skip, only for their courier.
    for i, v in enumerate(reload_of):
        index = manager.NodeToIndex(first_reload + i)
        routing.AddDisjunction([index], 0)
        routing.VehicleVar(index).SetValues([-1, v])

    # Orders: disjunctions, pairs, allowed vehicles.
    penalty = c.penalty()
    for o, (pickup, drop) in c.order_nodes.items():
        allowed = c.candidates[o]
        restrict = len(allowed) < n_vehicles
        drop_index = manager.NodeToIndex(drop)
        if pickup is None:
            routing.AddDisjunction([drop_index], penalty)
            if restrict:
                routing.VehicleVar(drop_index).SetValues([-1, *allowed])
            continue
        pick_index = manager.NodeToIndex(pickup)
        routing.AddDisjunction([pick_index], penalty // 2)
        routing.AddDisjunction([drop_index], penalty - penalty // 2)
        routing.AddPickupAndDelivery(pick_index, drop_index)
        # Unperformed nodes have vehicle -1, so this also makes the pair all-or-nothing.
        solver.Add(routing.VehicleVar(pick_index) == routing.VehicleVar(drop_index))
        if time_dim is not None:
            solver.Add(time_dim.CumulVar(pick_index) <= time_dim.CumulVar(drop_index))
        if restrict:
            routing.VehicleVar(pick_index).SetValues([-1, *allowed])
            routing.VehicleVar(drop_index).SetValues([-1, *allowed])

    params = cp.DefaultRoutingSearchParameters()
    strategy = first_solution_for(c, first)
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, strategy.value)
    params.local_search_metaheuristic = routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
    params.time_limit.FromMilliseconds(max(1, math.floor(time_limit_s * 1000)))
    params.log_search = False
    del seed  # OR-Tools' routing search is deterministic for a given model and limit

    solution = routing.SolveWithParameters(params)
    status = str(routing.status())
    if solution is None:
        return BackendResult({}, False, status, notes=[f"OR-Tools found no solution (status {status})"])
    sequences: dict[int, list[list[int]]] = {}
    for v in range(n_vehicles):
        index = solution.Value(routing.NextVar(routing.Start(v)))
        trips: list[list[int]] = [[]]
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            if node >= first_reload:
                trips.append([])
            else:
                trips[-1].append(node)
            index = solution.Value(routing.NextVar(index))
        trips = [t for t in trips if t]
        if trips:
            sequences[v] = trips
    return BackendResult(
        sequences, True, status, objective=int(solution.ObjectiveValue()), notes=[f"OR-Tools {strategy.value} + GLS"]
    )
