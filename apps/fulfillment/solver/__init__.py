"""Routing solver layer for micro-fulfillment dispatch (pure Python, no Django).

    from apps.fulfillment.solver import Problem, Hub, Order, Stop, Vehicle, SolveOptions, solve

    plan = solve(Problem(hubs=[...], orders=[...], vehicles=[...]), SolveOptions(time_limit_s=10))
    plan.routes       # per courier: ordered visits with arrival/start/departure, load, distance, cost
    plan.unassigned   # orders left out, each with a `Reason` code and a message

Modules: `model` (input/output dataclasses), `matrix` (haversine, OSRM adapter), `engine`
(`solve`, backend selector), `ortools_backend`, `pyvrp_backend`, `core` (pre-check and route
rebuilding), `check` (independent plan checker), `baselines` (naive and greedy dispatch),
`tsplib` (CVRPLIB reader), `couriers` (external courier adapter + sandbox), `geo`.
"""

from .check import check_plan
from .engine import choose_backend, solve
from .errors import InvalidProblem, MatrixError, TsplibError
from .matrix import HaversineProvider, MatrixProvider, OsrmProvider, PlanarProvider, TravelMatrix
from .model import (
    ALL_DAY,
    KIND_DEFAULTS,
    Backend,
    FirstSolution,
    Hub,
    Objective,
    Order,
    Plan,
    Point,
    Problem,
    Reason,
    Route,
    SolveOptions,
    Stop,
    TimeWindow,
    Unassigned,
    Vehicle,
    VehicleKind,
    Visit,
    VisitKind,
)

__all__ = [
    "ALL_DAY",
    "KIND_DEFAULTS",
    "Backend",
    "FirstSolution",
    "HaversineProvider",
    "Hub",
    "InvalidProblem",
    "MatrixError",
    "MatrixProvider",
    "Objective",
    "Order",
    "OsrmProvider",
    "Plan",
    "PlanarProvider",
    "Point",
    "Problem",
    "Reason",
    "Route",
    "SolveOptions",
    "Stop",
    "TimeWindow",
    "TravelMatrix",
    "TsplibError",
    "Unassigned",
    "Vehicle",
    "VehicleKind",
    "Visit",
    "VisitKind",
    "check_plan",
    "choose_backend",
    "solve",
]
