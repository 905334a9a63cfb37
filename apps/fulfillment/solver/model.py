"""Input and output model of the routing solver (plain dataclasses, no Django).

Units, everywhere in this package:

* time: integer **seconds** from the start of the planning day (08:00 is 28,800);
* distance: integer **metres**;
* money: integer **rupiah** (`Vehicle.cost_per_km` is rupiah per km, `fixed_cost` rupiah per use);
* load: integer units chosen by the caller (kg, crates, parcels) used the same way for
  `Order.demand` and `Vehicle.capacity`.

An `Order` is the unit the solver assigns or leaves out (with a reason):

* `pickup is None`: the goods are loaded at the courier's start hub and dropped at `dropoff`
  (classic delivery, as in the CVRP);
* `pickup` set: a pickup-and-delivery pair; the same courier collects the goods at `pickup`
  (a shop, or a hub) and only afterwards drops them at `dropoff` (a customer, or a hub). This covers
  shop → customer, shop → hub and hub → customer (goods held at one particular hub).

A `Vehicle` is one courier on one shift: home hub(s), capacity, speed, cost per km, and
`max_trips` (> 1 lets the courier come back to its start hub between trips to load the next
trip's goods; hub-delivery goods are loaded at the start of the trip that drops them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from .errors import InvalidProblem

DAY_S = 24 * 3600


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise InvalidProblem(message)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True, slots=True)
class Point:
    """WGS84 coordinate. (TSPLIB instances carry planar x in `lng` and y in `lat`.)"""

    lat: float
    lng: float

    def __post_init__(self) -> None:
        _require(math.isfinite(self.lat) and math.isfinite(self.lng), f"coordinate is not finite: {self}")


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """Closed interval [start, end] in seconds; service must *start* inside it."""

    start: int
    end: int

    def __post_init__(self) -> None:
        _require(_is_int(self.start) and _is_int(self.end), f"time window bounds must be integers: {self}")
        _require(self.start >= 0, f"time window starts before 0: {self}")
        _require(self.end >= self.start, f"time window ends before it starts: {self}")

    def label(self) -> str:
        return f"{clock(self.start)}-{clock(self.end)}"


ALL_DAY = TimeWindow(0, DAY_S)


def clock(seconds: int) -> str:
    """Seconds since the start of the day as HH:MM (hours may exceed 23 for multi-day horizons)."""
    minutes = seconds // 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True, slots=True)
class Hub:
    """A micro-fulfillment hub (depot) where couriers start and end their shifts."""

    id: str
    point: Point
    name: str = ""

    def __post_init__(self) -> None:
        _require(bool(self.id), "hub id must not be empty")


@dataclass(frozen=True, slots=True)
class Stop:
    """A place to visit: coordinates, when service may start, and how long it takes."""

    point: Point
    window: TimeWindow | None = None
    service_s: int = 0

    def __post_init__(self) -> None:
        _require(_is_int(self.service_s) and self.service_s >= 0, f"service time must be >= 0 seconds: {self}")

    @property
    def earliest(self) -> int:
        return self.window.start if self.window is not None else 0

    @property
    def latest(self) -> int | None:
        return self.window.end if self.window is not None else None


@dataclass(frozen=True, slots=True)
class Order:
    """One order: drop `demand` units at `dropoff`, taken from the start hub or from `pickup`."""

    id: str
    dropoff: Stop
    demand: int
    pickup: Stop | None = None

    def __post_init__(self) -> None:
        _require(bool(self.id), "order id must not be empty")
        _require(_is_int(self.demand), f"order {self.id}: demand must be an integer, got {self.demand!r}")
        _require(self.demand >= 0, f"order {self.id}: demand must not be negative, got {self.demand}")

    @property
    def is_pair(self) -> bool:
        return self.pickup is not None


class VehicleKind(StrEnum):
    MOTOR = "motor"
    BECAK = "becak"
    BICYCLE = "sepeda"


@dataclass(frozen=True, slots=True)
class KindDefaults:
    capacity: int
    speed_kmh: float
    cost_per_km: int


# Working assumptions for Kota Madiun (override per vehicle when the operator knows better):
# capacity in kg; speeds are door-to-door urban averages; cost is fuel/wear/effort per km.
KIND_DEFAULTS: dict[VehicleKind, KindDefaults] = {
    VehicleKind.MOTOR: KindDefaults(capacity=25, speed_kmh=25.0, cost_per_km=500),
    VehicleKind.BECAK: KindDefaults(capacity=80, speed_kmh=8.0, cost_per_km=300),
    VehicleKind.BICYCLE: KindDefaults(capacity=10, speed_kmh=12.0, cost_per_km=150),
}


@dataclass(frozen=True, slots=True)
class Vehicle:
    """A courier with a vehicle: capacity, speed, cost, shift and home hub(s)."""

    id: str
    start_hub: str
    capacity: int
    speed_kmh: float
    cost_per_km: int
    kind: VehicleKind = VehicleKind.MOTOR
    shift: TimeWindow = ALL_DAY
    end_hub: str | None = None  # None: back to the start hub
    fixed_cost: int = 0
    max_trips: int = 1  # > 1: may return to the start hub to load the next trip's goods

    def __post_init__(self) -> None:
        _require(bool(self.id), "vehicle id must not be empty")
        _require(_is_int(self.max_trips) and self.max_trips >= 1, f"vehicle {self.id}: max_trips must be >= 1")
        _require(_is_int(self.capacity), f"vehicle {self.id}: capacity must be an integer")
        _require(self.capacity >= 0, f"vehicle {self.id}: capacity must not be negative, got {self.capacity}")
        _require(
            math.isfinite(self.speed_kmh) and self.speed_kmh > 0,
            f"vehicle {self.id}: speed must be > 0 km/h, got {self.speed_kmh}",
        )
        _require(_is_int(self.cost_per_km) and self.cost_per_km >= 0, f"vehicle {self.id}: cost per km must be >= 0")
        _require(_is_int(self.fixed_cost) and self.fixed_cost >= 0, f"vehicle {self.id}: fixed cost must be >= 0")

    @property
    def home(self) -> str:
        return self.end_hub if self.end_hub is not None else self.start_hub

    @classmethod
    def of_kind(
        cls,
        id: str,
        kind: VehicleKind,
        start_hub: str,
        *,
        shift: TimeWindow = ALL_DAY,
        end_hub: str | None = None,
        capacity: int | None = None,
        speed_kmh: float | None = None,
        cost_per_km: int | None = None,
        fixed_cost: int = 0,
        max_trips: int = 1,
    ) -> Vehicle:
        d = KIND_DEFAULTS[kind]
        return cls(
            id=id,
            start_hub=start_hub,
            capacity=d.capacity if capacity is None else capacity,
            speed_kmh=d.speed_kmh if speed_kmh is None else speed_kmh,
            cost_per_km=d.cost_per_km if cost_per_km is None else cost_per_km,
            kind=kind,
            shift=shift,
            end_hub=end_hub,
            fixed_cost=fixed_cost,
            max_trips=max_trips,
        )


def travel_seconds(distance_m: int, speed_kmh: float) -> int:
    """Travel time at `speed_kmh` over `distance_m`, rounded up to whole seconds."""
    return math.ceil(distance_m * 3.6 / speed_kmh - 1e-9) if distance_m > 0 else 0


@dataclass(frozen=True)
class Problem:
    """Hubs, orders and the couriers on shift. Validated on construction (raises `InvalidProblem`)."""

    hubs: Sequence[Hub]
    orders: Sequence[Order]
    vehicles: Sequence[Vehicle]

    def __post_init__(self) -> None:
        object.__setattr__(self, "hubs", tuple(self.hubs))
        object.__setattr__(self, "orders", tuple(self.orders))
        object.__setattr__(self, "vehicles", tuple(self.vehicles))
        for kind, items in (("hub", self.hubs), ("order", self.orders), ("vehicle", self.vehicles)):
            seen: set[str] = set()
            for item in items:
                _require(item.id not in seen, f"duplicate {kind} id {item.id!r}")
                seen.add(item.id)
        hub_ids = {h.id for h in self.hubs}
        for v in self.vehicles:
            _require(v.start_hub in hub_ids, f"vehicle {v.id}: unknown start hub {v.start_hub!r}")
            _require(v.home in hub_ids, f"vehicle {v.id}: unknown end hub {v.home!r}")

    def hub(self, hub_id: str) -> Hub:
        for h in self.hubs:
            if h.id == hub_id:
                return h
        raise InvalidProblem(f"unknown hub {hub_id!r}")

    def points(self) -> list[Point]:
        """Every distinct point of the problem, hubs first, in a stable order."""
        seen: dict[Point, None] = {}
        for h in self.hubs:
            seen.setdefault(h.point, None)
        for o in self.orders:
            if o.pickup is not None:
                seen.setdefault(o.pickup.point, None)
            seen.setdefault(o.dropoff.point, None)
        return list(seen)


class Backend(StrEnum):
    AUTO = "auto"
    ORTOOLS = "ortools"
    PYVRP = "pyvrp"


class FirstSolution(StrEnum):
    """OR-Tools first-solution strategies we allow (the design card's two)."""

    AUTO = "auto"
    PATH_CHEAPEST_ARC = "PATH_CHEAPEST_ARC"
    PARALLEL_CHEAPEST_INSERTION = "PARALLEL_CHEAPEST_INSERTION"


class Objective(StrEnum):
    """What the search minimises. Routes always report both their metres and their rupiah.

    * `COST` (default): rupiah, i.e. metres x each courier's `cost_per_km` plus fixed costs. A
      mixed fleet then prefers cheap vehicles even where they drive further (a sepeda at
      Rp 150/km may ride 3 km where a motor at Rp 500/km would ride 1 km).
    * `DISTANCE`: total metres driven, whoever drives them (fixed costs and rates ignored);
      what the dispatch benchmark's distance target and its naive baselines measure.
    """

    COST = "cost"
    DISTANCE = "distance"


@dataclass(frozen=True, slots=True)
class SolveOptions:
    """How to solve: the wall-clock limit for the whole call, the backend, a seed, the objective."""

    time_limit_s: float = 10.0
    backend: Backend = Backend.AUTO
    seed: int = 0
    first_solution: FirstSolution = FirstSolution.AUTO
    objective: Objective = Objective.COST

    def __post_init__(self) -> None:
        _require(
            math.isfinite(self.time_limit_s) and self.time_limit_s > 0,
            f"time limit must be a positive number of seconds, got {self.time_limit_s}",
        )


# ---------------------------------------------------------------- output


class VisitKind(StrEnum):
    START = "start"  # leave the start hub
    PICKUP = "pickup"
    DELIVERY = "delivery"
    RELOAD = "reload"  # back at the start hub between trips, loading the next trip's goods
    END = "end"  # back at the end hub


@dataclass(frozen=True, slots=True)
class Visit:
    kind: VisitKind
    point: Point
    order_id: str | None  # None for START/RELOAD/END
    arrival_s: int
    start_s: int  # service start (>= arrival; the gap is waiting for the window to open)
    departure_s: int
    load_after: int  # load on board when leaving this stop
    distance_from_prev_m: int

    @property
    def wait_s(self) -> int:
        return self.start_s - self.arrival_s


@dataclass(frozen=True, slots=True)
class Route:
    vehicle_id: str
    visits: tuple[Visit, ...]  # START, stops (and RELOADs between trips)..., END
    distance_m: int
    duration_s: int
    cost: int  # rupiah: fixed cost + distance x cost per km
    max_load: int

    @property
    def order_ids(self) -> list[str]:
        """Orders dropped on this route, in drop order."""
        return [v.order_id for v in self.visits if v.kind is VisitKind.DELIVERY and v.order_id is not None]

    @property
    def stops(self) -> tuple[Visit, ...]:
        """Order visits (pickups and drops), without hub visits."""
        return tuple(v for v in self.visits[1:-1] if v.order_id is not None)

    @property
    def trips(self) -> int:
        return 1 + sum(1 for v in self.visits if v.kind is VisitKind.RELOAD)


class Reason(StrEnum):
    """Why an order is not in the plan. Stable codes for the UI to translate."""

    NO_VEHICLES = "no_vehicles"
    EXCEEDS_CAPACITY = "exceeds_capacity"
    WINDOW_UNREACHABLE = "window_unreachable"
    NO_SHIFT_TIME = "no_shift_time"
    NO_SUITABLE_VEHICLE = "no_suitable_vehicle"
    NO_ROOM_LEFT = "no_room_left"
    SOLVER_TIMEOUT = "solver_timeout"


@dataclass(frozen=True, slots=True)
class Unassigned:
    order_id: str
    reason: Reason
    message: str


@dataclass(frozen=True)
class Plan:
    routes: tuple[Route, ...]
    unassigned: tuple[Unassigned, ...]
    backend: str  # "ortools", "pyvrp" or "none" (nothing to route)
    problem_type: str
    time_limit_s: float
    wall_time_s: float
    matrix_source: str
    notes: tuple[str, ...] = field(default=())

    @property
    def distance_m(self) -> int:
        return sum(r.distance_m for r in self.routes)

    @property
    def cost(self) -> int:
        return sum(r.cost for r in self.routes)

    @property
    def within_limit(self) -> bool:
        return self.wall_time_s <= self.time_limit_s

    @property
    def served(self) -> list[str]:
        return [oid for r in self.routes for oid in r.order_ids]

    def route_of(self, vehicle_id: str) -> Route | None:
        for r in self.routes:
            if r.vehicle_id == vehicle_id:
                return r
        return None
