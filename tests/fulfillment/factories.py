"""Builders for small routing problems (planar metres, 1 m/s couriers unless stated)."""

from __future__ import annotations

import random
from pathlib import Path

from apps.fulfillment.solver import (
    Hub,
    Order,
    Point,
    Problem,
    Stop,
    TimeWindow,
    Vehicle,
    VehicleKind,
)
from apps.fulfillment.solver.matrix import PlanarProvider, TravelMatrix

AUGERAT = str(Path(__file__).resolve().parent / "data" / "augerat-a")
MADIUN = str(Path(__file__).resolve().parents[2] / "apps" / "tenancy" / "data" / "kota-madiun-kelurahan.geojson")
WALK = 3.6  # km/h: one metre per second, so travel seconds == metres


def xy(x: float, y: float) -> Point:
    """Planar point (x = lng, y = lat), for use with PlanarProvider."""
    return Point(lat=y, lng=x)


def vehicle(
    vid: str = "v1",
    hub: str = "H",
    *,
    capacity: int = 100,
    speed: float = WALK,
    shift: TimeWindow | None = None,
    cost_per_km: int = 1000,
    kind: VehicleKind = VehicleKind.MOTOR,
    end_hub: str | None = None,
    max_trips: int = 1,
) -> Vehicle:
    return Vehicle(
        id=vid,
        start_hub=hub,
        capacity=capacity,
        speed_kmh=speed,
        cost_per_km=cost_per_km,
        kind=kind,
        shift=shift or TimeWindow(0, 100_000),
        end_hub=end_hub,
        max_trips=max_trips,
    )


def planar(problem: Problem) -> TravelMatrix:
    return PlanarProvider().matrix(problem.points())


def random_problem(seed: int) -> Problem:
    """Small mixed instance: 1-2 hubs, 4-8 orders (some pairs, some windows), 1-3 mixed couriers."""
    rng = random.Random(seed)
    hubs = [Hub("H0", xy(0, 0))]
    if rng.random() < 0.5:
        hubs.append(Hub("H1", xy(rng.randint(-300, 300), rng.randint(-300, 300))))
    orders = []
    for i in range(rng.randint(4, 8)):
        drop = xy(rng.randint(-400, 400), rng.randint(-400, 400))
        window = None
        if rng.random() < 0.6:
            start = rng.randint(0, 1500)
            window = TimeWindow(start, start + rng.randint(100, 900))
        pickup = None
        if rng.random() < 0.4:
            at = rng.choice([h.point for h in hubs] + [xy(rng.randint(-400, 400), rng.randint(-400, 400))])
            pickup = Stop(at, None, rng.randint(0, 60))
        orders.append(Order(f"o{i}", Stop(drop, window, rng.randint(0, 120)), rng.randint(1, 6), pickup))
    vehicles = []
    for j in range(rng.randint(1, 3)):
        kind = rng.choice(list(VehicleKind))
        start = rng.choice([0, 0, 300])
        vehicles.append(
            Vehicle(
                id=f"v{j}",
                start_hub=rng.choice(hubs).id,
                capacity=rng.randint(5, 12),
                speed_kmh=rng.choice([3.6, 7.2, 10.8]),
                cost_per_km=rng.choice([150, 300, 500]),
                kind=kind,
                shift=TimeWindow(start, start + rng.randint(1500, 4000)),
                max_trips=rng.choice([1, 1, 2, 3]),
            )
        )
    return Problem(hubs, orders, vehicles)
