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
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours

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

    # Reloading only matters for goods loaded at the hub; with pickup-delivery pairs alone the
    # reload depots would only widen the search (about 1 point of distance at 10 s in the bench).
    hub_goods = bool(clients)
    groups: dict[_TypeKey, list[int]] = {}
    for v, vehicle in enumerate(c.problem.vehicles):
        key = _TypeKey(
            start=depot_of[c.vehicle_start[v]],
            end=depot_of[c.vehicle_end[v]],
            capacity=vehicle.capacity,
            shift=(vehicle.shift.start, vehicle.shift.end),
            profile=c.vehicle_class[v],
            cost_per_km=c.unit_cost(v),
            fixed_cost=c.fixed_cost(v),
            max_trips=vehicle.max_trips if hub_goods else 1,
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


# Feasibility registrations between penalty updates. PyVRP's default, 500, suits runs of
# minutes; in a few seconds the ILS makes only 2,000-10,000 iterations (far fewer on a shared
# machine), so penalties would change a handful of times and never leave their start values.
SOLUTIONS_BETWEEN_UPDATES = 50

# Late-acceptance history (PyVRP's default is 300 iterations). A candidate is accepted if it beats
# the solution of `history` iterations ago, so the history must be short next to the number of
# iterations the search makes: 300 suits the Augerat instances (<= 80 customers, 2,000-7,000
# iterations in 5 s; 100 was worse there), but a 200-order pickup-delivery solve makes only
# 400-1,600 in 10 s. Bench, 200 pairs minimising distance, seeds 0/1: 1.5 CPU-seconds 196.8/199.5
# km with 300, 186.6/190.2 km with 100; 4 CPU-seconds 186.9/190.6 vs 185.4/183.8 km. So:
# history = HISTORY_BUDGET // visits, kept within [100, 300].
HISTORY_BUDGET = 30_000
HISTORY_RANGE = (100, 300)


def history_length(visits: int) -> int:
    low, high = HISTORY_RANGE
    return min(high, max(low, HISTORY_BUDGET // max(1, visits)))


def solve_params(prize: int, visits: int = 0) -> pyvrp.SolveParams:
    """PyVRP's parameters, with penalty bounds and update rate for short, costly searches.

    * Penalties may grow past the prize of an order: PyVRP caps its load/time-warp penalties at
      100,000 per unit; with prizes above that (our costs are metres x rupiah/km), carrying one
      unit too many or arriving one second late would be cheaper than leaving an order out, and
      the search would never become feasible. The cap is 10x the prize (the default cap stays for
      small-cost instances such as the CVRP benchmark).
    * Penalties are updated every `SOLUTIONS_BETWEEN_UPDATES` registrations (see there), from
      the start values of `initial_penalties`.
    * The late-acceptance history shrinks on big instances (`history_length` of the number of
      order visits: drops plus pickups).
    """
    default = PenaltyParams()
    return pyvrp.SolveParams(
        ils=pyvrp.IteratedLocalSearchParams(history_length=history_length(visits)),
        penalty=PenaltyParams(
            solutions_between_updates=SOLUTIONS_BETWEEN_UPDATES,
            max_penalty=max(default.max_penalty, 10.0 * prize),
        ),
    )


def initial_penalties(c: Compiled, data: pyvrp.ProblemData, params: PenaltyParams) -> tuple[list[float], float, float]:
    """Start values of the load, time-warp and distance penalties, scaled to the instance.

    PyVRP starts at the midpoint of [min, max] penalty (50,000 per unit by default, 5x the prize
    with our raised cap): far too high for the few thousand iterations of a short run, which
    then never explores the infeasible side. Instead, as in HGS (Vidal 2022): one unit of excess
    load costs the longest leg per unit of the largest demand, and one second of time warp what
    a second of driving costs at the fastest speed and dearest rate. Measured on the 12 Augerat A
    instances with 53+ customers at 3 CPU-seconds each (seed 0 / seed 1): mean gap 0.24 % /
    0.23 % with PyVRP's defaults; 0.12 % / 0.08 % with these start values and 100
    registrations between updates; 0.10 % (seed 0) with 50, which we use. The max gap fell
    from 0.69-0.93 % to 0.35-0.36 %. (Other knobs at the same budget were no better than the
    defaults: 30 neighbours, late-acceptance history 100/600/1200, at most 10 or 40
    perturbations, no exhaustive search on new bests.)
    """
    vehicles = c.problem.vehicles
    unit = max((c.unit_cost(v) for v in range(len(vehicles))), default=1) or 1
    longest = float(c.matrix.distances_m.max()) if len(c.matrix.points) else 1.0
    demands = [-c.nodes[d].delta for _, d in c.order_nodes.values()]
    largest = max(demands, default=1) or 1
    fastest = max((v.speed_kmh for v in vehicles), default=3.6) / 3.6  # metres per second

    def clamp(value: float) -> float:
        return min(params.max_penalty, max(params.min_penalty, value))

    load = clamp(longest * unit / largest)
    return [load] * data.num_load_dimensions, clamp(fastest * unit), load


def run_search(
    c: Compiled, data: pyvrp.ProblemData, stop: Any, *, seed: int, params: pyvrp.SolveParams
) -> pyvrp.Result:
    """`pyvrp.solve`, except that the penalties start at `initial_penalties`."""
    rng = pyvrp.RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    search = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            search.add_operator(op(data))
    manager = pyvrp.PenaltyManager(initial_penalties(c, data, params.penalty), params.penalty)
    start = search(pyvrp.Solution.make_random(data, rng), manager.max_cost_evaluator(), exhaustive=True)
    ils = pyvrp.IteratedLocalSearch(data, manager, search, start, params.ils)
    return ils.run(stop, collect_stats=False, display=False)


class _Stop:
    """Stop at `deadline`, or at `give_up_at` if no feasible solution has been found by then.

    Both are absolute `time.perf_counter()` values fixed before PyVRP builds its neighbourhoods
    and its first solution, so that set-up counts against the budget too (on a busy machine
    it took more than the engine's reserve for 200 pickup-delivery orders).
    """

    def __init__(self, deadline: float, give_up_at: float | None = None) -> None:
        self.deadline = deadline
        self.give_up_at = give_up_at
        self.gave_up = False

    def __call__(self, best_cost: int) -> bool:
        now = time.perf_counter()
        if self.give_up_at is not None and now > self.give_up_at and best_cost >= _NO_FEASIBLE:
            self.gave_up = True
            return True
        return now > self.deadline


def _visits(c: Compiled) -> int:
    return sum(1 if pickup is None else 2 for pickup, _ in c.order_nodes.values())


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
        stop = _Stop(started + budget, give_up_at=started + 0.3 * budget)
        with warnings.catch_warnings():  # "cannot find a feasible solution" is an expected outcome here
            warnings.simplefilter("ignore", PenaltyBoundWarning)
            result = run_search(c, data, stop, seed=seed, params=solve_params(c.penalty(), _visits(c)))
        if result.best.is_feasible():
            best = result.best
            notes.append("every order required (plain CVRP)")
        else:
            notes.append("could not serve every order; searched again with optional orders")
    if best is None:
        data, members, client_node, shipment_nodes = build_data(c)
        deadline = max(started + budget, time.perf_counter() + 0.01)
        result = run_search(c, data, _Stop(deadline), seed=seed, params=solve_params(c.penalty(), _visits(c)))
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
