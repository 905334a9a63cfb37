"""Bad or impossible input: a clear ValueError for invalid data, a reason for unservable orders,
never a crash, and the rest of the orders still routed."""

from __future__ import annotations

import pytest

from apps.fulfillment.solver import (
    Backend,
    Hub,
    InvalidProblem,
    Order,
    Problem,
    Reason,
    SolveOptions,
    Stop,
    TimeWindow,
    Vehicle,
    VehicleKind,
    check_plan,
    solve,
)

from .factories import planar, vehicle, xy

BACKENDS = [Backend.ORTOOLS, Backend.PYVRP]
HUB = Hub("H", xy(0, 0))


def _solve(problem: Problem, backend: Backend = Backend.AUTO):  # type: ignore[no-untyped-def]
    matrix = planar(problem)
    plan = solve(problem, SolveOptions(time_limit_s=0.3, backend=backend), matrix=matrix)
    assert check_plan(problem, plan, matrix) == []
    return plan


def _reasons(plan) -> dict[str, Reason]:  # type: ignore[no-untyped-def]
    return {u.order_id: u.reason for u in plan.unassigned}


@pytest.mark.parametrize("backend", BACKENDS)
def test_order_too_big_for_any_vehicle(backend: Backend) -> None:
    problem = Problem(
        [HUB],
        [Order("big", Stop(xy(10, 0)), 50), Order("ok", Stop(xy(0, 10)), 5)],
        [vehicle("a", capacity=20), vehicle("b", capacity=30)],
    )
    plan = _solve(problem, backend)
    assert plan.served == ["ok"]
    (u,) = plan.unassigned
    assert (u.order_id, u.reason) == ("big", Reason.EXCEEDS_CAPACITY)
    assert "exceeds every vehicle's capacity" in u.message
    assert "30" in u.message


@pytest.mark.parametrize("backend", BACKENDS)
def test_unreachable_time_window(backend: Backend) -> None:
    # 100 m at 1 m/s from a shift starting at 0: nobody is there before t=100; the window closes at 50.
    problem = Problem(
        [HUB],
        [Order("rush", Stop(xy(100, 0), TimeWindow(0, 50)), 1), Order("ok", Stop(xy(10, 0), TimeWindow(0, 500)), 1)],
        [vehicle(shift=TimeWindow(0, 10_000))],
    )
    plan = _solve(problem, backend)
    assert plan.served == ["ok"]
    assert _reasons(plan) == {"rush": Reason.WINDOW_UNREACHABLE}
    assert "time window cannot be reached" in plan.unassigned[0].message


def test_unreachable_pickup_window_names_the_pickup() -> None:
    order = Order("p", Stop(xy(10, 0)), 1, pickup=Stop(xy(200, 0), TimeWindow(0, 100)))
    plan = _solve(Problem([HUB], [order], [vehicle()]))
    assert _reasons(plan) == {"p": Reason.WINDOW_UNREACHABLE}
    assert "pickup window" in plan.unassigned[0].message


@pytest.mark.parametrize("backend", BACKENDS)
def test_window_after_every_shift(backend: Backend) -> None:
    problem = Problem(
        [HUB],
        [Order("night", Stop(xy(10, 0), TimeWindow(20_000, 21_000)), 1), Order("day", Stop(xy(10, 10)), 1)],
        [vehicle(shift=TimeWindow(0, 10_000))],
    )
    plan = _solve(problem, backend)
    assert plan.served == ["day"]
    assert _reasons(plan) == {"night": Reason.NO_SHIFT_TIME}
    assert "no time left in any shift" in plan.unassigned[0].message


def test_no_single_vehicle_has_both_capacity_and_time() -> None:
    # The becak can carry it but is too slow for the window; the bicycle is fast but too small.
    problem = Problem(
        [HUB],
        [Order("o", Stop(xy(1000, 0), TimeWindow(0, 400)), 30)],
        [
            vehicle("becak", capacity=80, speed=3.6, kind=VehicleKind.BECAK),
            vehicle("sepeda", capacity=10, speed=36.0, kind=VehicleKind.BICYCLE),
        ],
    )
    plan = _solve(problem)
    assert _reasons(plan) == {"o": Reason.NO_SUITABLE_VEHICLE}


def test_zero_vehicles_leaves_everything_unassigned() -> None:
    problem = Problem([HUB], [Order("a", Stop(xy(1, 1)), 1), Order("b", Stop(xy(2, 2)), 1)], [])
    plan = _solve(problem)
    assert plan.routes == ()
    assert plan.backend == "none"
    assert _reasons(plan) == {"a": Reason.NO_VEHICLES, "b": Reason.NO_VEHICLES}


def test_no_orders_is_an_empty_plan() -> None:
    plan = _solve(Problem([HUB], [], [vehicle()]))
    assert plan.routes == () and plan.unassigned == ()


@pytest.mark.parametrize("backend", BACKENDS)
def test_everything_infeasible_does_not_call_a_solver(backend: Backend) -> None:
    problem = Problem([HUB], [Order("big", Stop(xy(10, 0)), 500)], [vehicle(capacity=5)])
    plan = _solve(problem, backend)
    assert plan.backend == "none"
    assert _reasons(plan) == {"big": Reason.EXCEEDS_CAPACITY}


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Vehicle("v", "H", -1, 10.0, 100), "capacity must not be negative"),
        (lambda: Order("o", Stop(xy(0, 0)), -3), "demand must not be negative"),
        (lambda: Vehicle("v", "H", 5, 0.0, 100), "speed must be > 0"),
        (lambda: Vehicle("v", "H", 5, 10.0, -100), "cost per km"),
        (lambda: Vehicle("v", "H", 5, 10.0, 100, max_trips=0), "max_trips"),
        (lambda: TimeWindow(100, 50), "ends before it starts"),
        (lambda: TimeWindow(-5, 50), "starts before 0"),
        (lambda: Stop(xy(0, 0), service_s=-1), "service time"),
        (lambda: Order("", Stop(xy(0, 0)), 1), "order id"),
        (lambda: Problem([HUB], [], [vehicle(hub="nowhere")]), "unknown start hub"),
        (lambda: Problem([HUB], [], [vehicle(end_hub="nowhere")]), "unknown end hub"),
        (lambda: Problem([HUB, HUB], [], []), "duplicate hub id"),
        (
            lambda: Problem([HUB], [Order("o", Stop(xy(0, 0)), 1), Order("o", Stop(xy(1, 0)), 1)], []),
            "duplicate order id",
        ),
        (lambda: SolveOptions(time_limit_s=0), "time limit"),
        (lambda: SolveOptions(time_limit_s=float("inf")), "time limit"),
        (lambda: Order("o", Stop(xy(0, 0)), 1.5), "demand must be an integer"),  # type: ignore[arg-type]
    ],
)
def test_invalid_input_raises_a_value_error_with_a_message(build: object, message: str) -> None:
    with pytest.raises(InvalidProblem, match=message) as caught:
        build()  # type: ignore[operator]
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("backend", BACKENDS)
def test_overbooked_fleet_serves_what_fits(backend: Backend) -> None:
    orders = [Order(f"o{i}", Stop(xy(5 * i, 5)), 3) for i in range(10)]
    problem = Problem([HUB], orders, [vehicle("a", capacity=9), vehicle("b", capacity=6)])
    plan = _solve(problem, backend)
    assert len(plan.served) == 5  # 15 units of room, 3 units each
    assert set(_reasons(plan).values()) == {Reason.NO_ROOM_LEFT}
    assert all(u.message for u in plan.unassigned)


def test_matrix_that_misses_points_is_a_clear_error() -> None:
    from apps.fulfillment.solver import MatrixError

    problem = Problem([HUB], [Order("o", Stop(xy(5, 5)), 1)], [vehicle()])
    partial = planar(Problem([HUB], [], [vehicle()]))
    with pytest.raises(MatrixError, match="lacks"):
        solve(problem, SolveOptions(time_limit_s=0.2), matrix=partial)


def test_cvrp_that_cannot_be_packed_still_gets_a_plan() -> None:
    # 18 units of demand, 20 units of room, but no two 6-unit orders fit in one 10-unit vehicle:
    # PyVRP's all-required attempt gives up early and the optional-orders search takes over.
    orders = [Order(f"o{i}", Stop(xy(10 * (i + 1), 0)), 6) for i in range(3)]
    problem = Problem([HUB], orders, [vehicle("a", capacity=10), vehicle("b", capacity=10)])
    plan = _solve(problem, Backend.PYVRP)
    assert plan.backend == "pyvrp"
    assert len(plan.served) == 2
    assert _reasons(plan) == {"o2": Reason.NO_ROOM_LEFT}
    assert any("optional orders" in n for n in plan.notes)
