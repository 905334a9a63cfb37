"""Every returned plan keeps every constraint (randomised small instances, both backends),
and the checker itself catches broken plans."""

from __future__ import annotations

import dataclasses

import pytest

from apps.fulfillment.solver import (
    Backend,
    Hub,
    Order,
    Plan,
    Problem,
    Reason,
    SolveOptions,
    Stop,
    TimeWindow,
    Unassigned,
    VisitKind,
    check_plan,
    solve,
)
from apps.fulfillment.solver.matrix import TravelMatrix

from .factories import planar, random_problem, vehicle, xy

SEEDS = range(16)


def _solve(problem: Problem, backend: Backend, limit: float = 0.3) -> tuple[Plan, TravelMatrix]:
    matrix = planar(problem)
    return solve(problem, SolveOptions(time_limit_s=limit, backend=backend, seed=1), matrix=matrix), matrix


@pytest.mark.parametrize("backend", [Backend.ORTOOLS, Backend.PYVRP])
@pytest.mark.parametrize("seed", SEEDS)
def test_random_instances_respect_every_constraint(seed: int, backend: Backend) -> None:
    problem = random_problem(seed)
    plan, matrix = _solve(problem, backend)
    assert check_plan(problem, plan, matrix) == []
    # the backend's own routes were valid: the safety net in core.build_routes had nothing to remove
    assert not [n for n in plan.notes if "broke a constraint" in n]
    assert plan.backend == backend.value
    served = set(plan.served)
    for u in plan.unassigned:
        assert u.order_id not in served
        assert isinstance(u.reason, Reason)
        assert u.message
    assert served | {u.order_id for u in plan.unassigned} == {o.id for o in problem.orders}
    vehicles = {v.id: v for v in problem.vehicles}
    orders = {o.id: o for o in problem.orders}
    for route in plan.routes:
        v = vehicles[route.vehicle_id]
        assert route.visits[0].departure_s >= v.shift.start
        assert route.visits[-1].arrival_s <= v.shift.end
        assert route.max_load <= v.capacity
        for visit in route.stops:
            order = orders[visit.order_id or ""]
            stop = order.pickup if visit.kind is VisitKind.PICKUP else order.dropoff
            assert stop is not None
            if stop.window is not None:
                assert stop.window.start <= visit.start_s <= stop.window.end
            assert visit.departure_s - visit.start_s == stop.service_s
        positions = {(v.kind, v.order_id): i for i, v in enumerate(route.visits)}
        for (kind, oid), i in positions.items():
            if kind is VisitKind.PICKUP:
                assert positions[(VisitKind.DELIVERY, oid)] > i  # same route, later


def test_orders_the_solver_leaves_out_say_why() -> None:
    # Six 4-unit orders, one courier with capacity 10: only two fit.
    orders = [Order(f"o{i}", Stop(xy(10 * i, 10)), 4) for i in range(6)]
    problem = Problem([Hub("H", xy(0, 0))], orders, [vehicle(capacity=10)])
    for backend in (Backend.ORTOOLS, Backend.PYVRP):
        plan, matrix = _solve(problem, backend)
        assert check_plan(problem, plan, matrix) == []
        assert len(plan.served) == 2
        assert {u.reason for u in plan.unassigned} == {Reason.NO_ROOM_LEFT}


def test_shift_end_is_respected_including_the_way_back() -> None:
    # 100 m out at 1 m/s with 50 s service: 250 s round trip. A 200 s shift cannot do it.
    problem = Problem(
        [Hub("H", xy(0, 0))],
        [Order("o", Stop(xy(100, 0), service_s=50), 1)],
        [vehicle(shift=TimeWindow(1000, 1200))],
    )
    plan, _ = _solve(problem, Backend.AUTO)
    assert plan.routes == ()
    assert plan.unassigned[0].reason is Reason.NO_SHIFT_TIME
    longer = dataclasses.replace(problem, vehicles=[vehicle(shift=TimeWindow(1000, 1250))])
    plan, matrix = _solve(longer, Backend.AUTO)
    assert check_plan(longer, plan, matrix) == []
    assert plan.routes[0].visits[-1].arrival_s == 1250


# ---------------------------------------------------------------- the checker is not vacuous


def _good_plan() -> tuple[Problem, Plan, TravelMatrix]:
    problem = Problem(
        [Hub("H", xy(0, 0))],
        [
            Order("a", Stop(xy(10, 0), TimeWindow(0, 1000), 5), 2),
            Order("b", Stop(xy(20, 0), None, 5), 3, pickup=Stop(xy(10, 10))),
        ],
        [vehicle(capacity=5)],
    )
    plan, matrix = _solve(problem, Backend.ORTOOLS)
    assert check_plan(problem, plan, matrix) == []
    return problem, plan, matrix


def _with_visit(plan: Plan, index: int, **changes: object) -> Plan:
    route = plan.routes[0]
    visits = list(route.visits)
    visits[index] = dataclasses.replace(visits[index], **changes)  # type: ignore[arg-type]
    return dataclasses.replace(plan, routes=(dataclasses.replace(route, visits=tuple(visits)),))


def test_checker_catches_too_early_arrival() -> None:
    problem, plan, matrix = _good_plan()
    bad = _with_visit(plan, 1, arrival_s=plan.routes[0].visits[1].arrival_s - 1)
    assert any("cannot be before" in e for e in check_plan(problem, bad, matrix))


def test_checker_catches_window_and_capacity_and_distance() -> None:
    problem, plan, matrix = _good_plan()
    route = plan.routes[0]
    a_index = next(i for i, v in enumerate(route.visits) if v.order_id == "a")
    late = _with_visit(plan, a_index, start_s=2000, departure_s=2005)
    assert any("outside window" in e for e in check_plan(problem, late, matrix))
    small = dataclasses.replace(problem, vehicles=[vehicle(capacity=2)])
    assert any("capacity" in e or "outside [0, 2]" in e for e in check_plan(small, plan, matrix))
    wrong = dataclasses.replace(plan, routes=(dataclasses.replace(route, distance_m=route.distance_m + 1),))
    assert any("legs add up" in e for e in check_plan(problem, wrong, matrix))


def test_checker_catches_delivery_before_pickup_and_double_service() -> None:
    problem, plan, matrix = _good_plan()
    route = plan.routes[0]
    stops = list(route.stops)
    swapped = [v for v in stops if v.order_id != "b"] + [v for v in stops if v.order_id == "b"][::-1]
    bad = dataclasses.replace(
        plan, routes=(dataclasses.replace(route, visits=(route.visits[0], *swapped, route.visits[-1])),)
    )
    errors = check_plan(problem, bad, matrix)
    assert any("before being picked up" in e for e in errors)
    twice = dataclasses.replace(plan, unassigned=(*plan.unassigned, Unassigned("a", Reason.NO_ROOM_LEFT, "test")))
    assert any("exactly once" in e for e in check_plan(problem, twice, matrix))
