"""`SolveOptions.objective`: rupiah (the default) versus distance, on both backends."""

from __future__ import annotations

import dataclasses

import pytest
from pyvrp import PenaltyParams

from apps.fulfillment.solver import (
    Backend,
    Hub,
    Objective,
    Order,
    Problem,
    SolveOptions,
    Stop,
    TimeWindow,
    VehicleKind,
    check_plan,
    pyvrp_backend,
    solve,
)
from apps.fulfillment.solver.core import compile_problem
from apps.fulfillment.solver.pyvrp_backend import (
    SOLUTIONS_BETWEEN_UPDATES,
    build_data,
    history_length,
    initial_penalties,
    solve_params,
)

from .factories import planar, vehicle, xy

BACKENDS = [Backend.ORTOOLS, Backend.PYVRP]


def _near_and_cheap_far() -> Problem:
    # One order 100 m from hub A. Courier "near" at A costs Rp 1000/km: 200 m = Rp 200.
    # Courier "far" at B, 1 km away, costs Rp 100/km: 1800 m = Rp 180 (cheaper, 9x the distance).
    return Problem(
        [Hub("A", xy(0, 0)), Hub("B", xy(1000, 0))],
        [Order("o1", Stop(xy(100, 0)), 1)],
        [vehicle("near", "A", cost_per_km=1000), vehicle("far", "B", cost_per_km=100)],
    )


def test_default_objective_is_rupiah() -> None:
    assert SolveOptions().objective is Objective.COST


@pytest.mark.parametrize("backend", BACKENDS)
def test_cost_objective_takes_the_cheap_courier_distance_objective_the_near_one(backend: Backend) -> None:
    problem = _near_and_cheap_far()
    matrix = planar(problem)
    by_cost = solve(problem, SolveOptions(time_limit_s=0.5, backend=backend), matrix=matrix)
    by_distance = solve(
        problem, SolveOptions(time_limit_s=0.5, backend=backend, objective=Objective.DISTANCE), matrix=matrix
    )
    for plan in (by_cost, by_distance):
        assert check_plan(problem, plan, matrix) == []
        assert plan.served == ["o1"]
    assert [r.vehicle_id for r in by_cost.routes] == ["far"]
    assert (by_cost.distance_m, by_cost.cost) == (1800, 180)
    assert [r.vehicle_id for r in by_distance.routes] == ["near"]
    # routes still report what they cost in rupiah
    assert (by_distance.distance_m, by_distance.cost) == (200, 200)


@pytest.mark.parametrize("backend", BACKENDS)
def test_distance_objective_ignores_fixed_costs(backend: Backend) -> None:
    base = _near_and_cheap_far()
    near = dataclasses.replace(base.vehicles[0], cost_per_km=100, fixed_cost=5_000)
    far = dataclasses.replace(base.vehicles[1], cost_per_km=100)
    problem = Problem(base.hubs, base.orders, [near, far])
    matrix = planar(problem)
    by_cost = solve(problem, SolveOptions(time_limit_s=0.5, backend=backend), matrix=matrix)
    by_distance = solve(
        problem, SolveOptions(time_limit_s=0.5, backend=backend, objective=Objective.DISTANCE), matrix=matrix
    )
    assert [r.vehicle_id for r in by_cost.routes] == ["far"]  # Rp 180 beats Rp 5,020
    assert [r.vehicle_id for r in by_distance.routes] == ["near"]
    assert by_distance.routes[0].cost == 5_020


def test_compiled_costs_follow_the_objective() -> None:
    problem = _near_and_cheap_far()
    matrix = planar(problem)
    by_cost = compile_problem(problem, matrix)
    by_distance = compile_problem(problem, matrix, Objective.DISTANCE)
    assert [by_cost.unit_cost(v) for v in range(2)] == [1000, 100]
    assert [by_distance.unit_cost(v) for v in range(2)] == [1, 1]
    assert by_distance.penalty() < by_cost.penalty()


def test_pyvrp_gets_reload_depots_only_for_hub_goods() -> None:
    hubs = [Hub("H", xy(0, 0))]
    courier = vehicle("v", "H", capacity=2, max_trips=3, kind=VehicleKind.BICYCLE, shift=TimeWindow(0, 50_000))
    pairs = Problem(hubs, [Order(f"p{i}", Stop(xy(50 * i, 40)), 1, pickup=Stop(xy(0, 0))) for i in range(4)], [courier])
    mixed = Problem(hubs, [*pairs.orders, Order("d", Stop(xy(10, 10)), 1)], [courier])
    for problem, reloads in ((pairs, 0), (mixed, 2)):
        data, *_ = build_data(compile_problem(problem, planar(problem)))
        assert data.vehicle_type(0).max_reloads == reloads
        plan = solve(problem, SolveOptions(time_limit_s=0.5, backend=Backend.PYVRP), matrix=planar(problem))
        assert check_plan(problem, plan, planar(problem)) == []
        assert sorted(plan.served) == sorted(o.id for o in problem.orders)


def test_pyvrp_penalties_start_scaled_to_the_instance() -> None:
    # longest leg 1000 m x Rp 1000/km, largest demand 4: one unit too many costs 250,000;
    # one second late what a second at 36 km/h (10 m/s) costs at Rp 1000/km: 10,000.
    hubs = [Hub("A", xy(0, 0)), Hub("B", xy(1000, 0))]
    orders = [Order("o1", Stop(xy(100, 0)), 4), Order("o2", Stop(xy(600, 0)), 1)]
    couriers = [vehicle("v", "A", cost_per_km=1000, speed=36.0), vehicle("w", "B", cost_per_km=10)]
    problem = Problem(hubs, orders, couriers)
    compiled = compile_problem(problem, planar(problem))
    data, *_ = build_data(compiled)
    params = solve_params(compiled.penalty()).penalty
    assert params.solutions_between_updates == SOLUTIONS_BETWEEN_UPDATES < PenaltyParams().solutions_between_updates
    assert params.max_penalty >= 10 * compiled.penalty()
    load, time_warp, _ = initial_penalties(compiled, data, params)
    assert (load, time_warp) == ([250_000.0], 10_000.0)
    by_distance = compile_problem(problem, planar(problem), Objective.DISTANCE)
    load, time_warp, _ = initial_penalties(by_distance, data, solve_params(by_distance.penalty()).penalty)
    assert (load, time_warp) == ([250.0], 10.0)


def test_late_acceptance_history_shrinks_on_big_instances() -> None:
    assert [history_length(n) for n in (0, 31, 80, 100, 200, 400, 5000)] == [300, 300, 300, 300, 150, 100, 100]
    assert solve_params(1000).ils.history_length == 300
    assert solve_params(1000, visits=400).ils.history_length == 100
    pairs = Problem(
        [Hub("H", xy(0, 0))],
        [Order(f"p{i}", Stop(xy(i, 40)), 1, pickup=Stop(xy(0, 0))) for i in range(150)],
        [vehicle("v", "H")],
    )
    compiled = compile_problem(pairs, planar(pairs))
    assert pyvrp_backend._visits(compiled) == 300
