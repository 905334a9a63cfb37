"""Naive baselines, geometry helpers, and the backend selector."""

from __future__ import annotations

import json
import random

import pytest

from apps.fulfillment.solver import (
    Backend,
    Hub,
    Order,
    Point,
    Problem,
    SolveOptions,
    Stop,
    TimeWindow,
    check_plan,
    choose_backend,
    engine,
    pyvrp_backend,
    solve,
)
from apps.fulfillment.solver.baselines import first_come_nearest_courier, own_trips
from apps.fulfillment.solver.core import CVRP, PDP, VRPTW, compile_problem
from apps.fulfillment.solver.geo import point_in_polygon, polygons_of, sample_in

from .factories import MADIUN, planar, vehicle, xy

SQUARE = [[[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0], [0.0, 0.0]]]
WITH_HOLE = [SQUARE[0], [[4.0, 4.0], [6.0, 4.0], [6.0, 6.0], [4.0, 6.0], [4.0, 4.0]]]


def test_point_in_polygon_with_hole() -> None:
    assert point_in_polygon(Point(lat=5, lng=5), SQUARE)
    assert not point_in_polygon(Point(lat=5, lng=5), WITH_HOLE)
    assert point_in_polygon(Point(lat=2, lng=2), WITH_HOLE)
    assert not point_in_polygon(Point(lat=5, lng=11), SQUARE)
    assert not point_in_polygon(Point(lat=-0.1, lng=5), SQUARE)


def test_samples_fall_inside_the_real_kelurahan() -> None:
    with open(MADIUN, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    assert len(features) == 27
    rng = random.Random(3)
    for feature in features[:8]:
        polygons = polygons_of(feature["geometry"])
        for _ in range(5):
            p = sample_in(polygons, rng)
            assert any(point_in_polygon(p, poly) for poly in polygons)
            others = [polygons_of(f["geometry"]) for f in features if f is not feature]
            assert not any(point_in_polygon(p, poly) for polys in others for poly in polys)


def test_own_trips_is_the_sum_of_round_trips() -> None:
    problem = Problem(
        [Hub("A", xy(0, 0)), Hub("B", xy(100, 0))],
        [Order("a", Stop(xy(0, 10)), 1), Order("b", Stop(xy(100, 20)), 1), Order("c", Stop(xy(30, 0)), 1)],
        [vehicle(hub="A")],
    )
    matrix = planar(problem)
    naive = own_trips(problem, matrix)  # nearest hub: a->A, b->B, c->A
    assert naive.distance_m == 20 + 40 + 60
    forced = own_trips(problem, matrix, hub_of=lambda o: "B")
    # all from B (100,0): a at 100.5 -> 100, b at 20, c at 70; there and back
    assert forced.distance_m == 2 * (100 + 20 + 70)


def test_first_come_nearest_courier_takes_orders_in_turn() -> None:
    # Two couriers at opposite ends; each order goes to whoever is nearest at that moment.
    problem = Problem(
        [Hub("W", xy(0, 0)), Hub("E", xy(100, 0))],
        [Order("1", Stop(xy(10, 0)), 1), Order("2", Stop(xy(90, 0)), 1), Order("3", Stop(xy(20, 0)), 1)],
        [vehicle("west", hub="W"), vehicle("east", hub="E")],
    )
    greedy = first_come_nearest_courier(problem, planar(problem))
    assert greedy.served == ["1", "2", "3"]
    assert greedy.per_vehicle_m == {"west": 10 + 10 + 20, "east": 10 + 10}
    assert greedy.distance_m == 60


def test_greedy_respects_windows_and_capacity() -> None:
    problem = Problem(
        [Hub("H", xy(0, 0))],
        [
            Order("ok", Stop(xy(10, 0), TimeWindow(0, 100)), 2),
            Order("late", Stop(xy(500, 0), TimeWindow(0, 100)), 1),
            Order("big", Stop(xy(5, 0)), 9),
        ],
        [vehicle(capacity=5)],
    )
    greedy = first_come_nearest_courier(problem, planar(problem))
    assert greedy.served == ["ok"]
    assert sorted(greedy.unserved) == ["big", "late"]


def test_optimised_beats_both_baselines_on_a_clustered_instance() -> None:
    rng = random.Random(5)
    hubs = [Hub("A", xy(0, 0)), Hub("B", xy(1000, 0))]
    orders = [Order(f"o{i}", Stop(xy(rng.randint(-200, 1200), rng.randint(-300, 300))), 1) for i in range(12)]
    problem = Problem(hubs, orders, [vehicle("a", hub="A", capacity=8), vehicle("b", hub="B", capacity=8)])
    matrix = planar(problem)
    plan = solve(problem, SolveOptions(time_limit_s=0.5), matrix=matrix)
    assert check_plan(problem, plan, matrix) == []
    assert len(plan.served) == 12
    assert plan.distance_m < first_come_nearest_courier(problem, matrix).distance_m
    assert plan.distance_m < own_trips(problem, matrix).distance_m


def test_problem_types_and_selector() -> None:
    hub = Hub("H", xy(0, 0))
    plain = Problem([hub], [Order("o", Stop(xy(1, 1)), 1)], [vehicle("a"), vehicle("b")])
    timed = Problem([hub], [Order("o", Stop(xy(1, 1), TimeWindow(0, 9)), 1)], [vehicle()])
    mixed = Problem([hub], [Order("o", Stop(xy(1, 1)), 1)], [vehicle("a"), vehicle("b", capacity=3)])
    pair = Problem([hub], [Order("o", Stop(xy(1, 1)), 1, pickup=Stop(xy(2, 2)))], [vehicle()])
    multi = Problem([hub], [Order("o", Stop(xy(1, 1)), 1)], [vehicle(max_trips=2)])
    types = [compile_problem(p, planar(p)).problem_type for p in (plain, timed, mixed, pair, multi)]
    assert types == [CVRP, VRPTW, VRPTW, PDP, VRPTW]
    for kind in (CVRP, VRPTW, PDP):
        assert choose_backend(kind) is engine.PREFERRED[kind]
        assert choose_backend(kind, Backend.ORTOOLS) is Backend.ORTOOLS
    plan = solve(pair, SolveOptions(time_limit_s=0.3), matrix=planar(pair))
    assert plan.problem_type == PDP
    assert plan.backend == engine.PREFERRED[PDP].value


def test_pyvrp_failure_falls_back_to_ortools(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("simulated PyVRP failure")

    monkeypatch.setattr(pyvrp_backend, "solve", broken)
    problem = Problem([Hub("H", xy(0, 0))], [Order("o", Stop(xy(5, 5)), 1)], [vehicle()])
    matrix = planar(problem)
    plan = solve(problem, SolveOptions(time_limit_s=0.5, backend=Backend.PYVRP), matrix=matrix)
    assert plan.backend == "ortools"
    assert plan.served == ["o"]
    assert any("simulated PyVRP failure" in n for n in plan.notes)
    assert check_plan(problem, plan, matrix) == []


def test_plan_reports_time_accounting() -> None:
    problem = Problem([Hub("H", xy(0, 0))], [Order("o", Stop(xy(5, 5)), 1)], [vehicle()])
    plan = solve(problem, SolveOptions(time_limit_s=0.4), matrix=planar(problem))
    assert plan.time_limit_s == 0.4
    assert plan.wall_time_s > 0
    assert plan.within_limit == (plan.wall_time_s <= plan.time_limit_s)
