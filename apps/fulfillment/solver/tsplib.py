"""TSPLIB / CVRPLIB reader for capacitated VRP instances (`TYPE : CVRP`).

Reads the specification part (`KEY : value`, spaces around the colon optional) and the
`NODE_COORD_SECTION`, `DEMAND_SECTION` and `DEPOT_SECTION` (ids terminated by -1) data parts.
Node ids are kept as written (1-based in practice) and need not be contiguous in the file.
Distances follow TSPLIB: EUC_2D = nint(sqrt(dx² + dy²)), CEIL_2D = ceil(...). Anything else
raises `TsplibError` with the line at fault.

`to_problem()` turns a single-depot instance into a solver `Problem` (planar coordinates in
`Point(lat=y, lng=x)`, cost 1 per distance unit, no time limits) plus the `PlanarProvider` that
reproduces the TSPLIB distances, so the benchmark exercises the production solver code.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .errors import TsplibError
from .matrix import IntMatrix, PlanarProvider
from .model import Hub, Order, Point, Problem, Stop, TimeWindow, Vehicle, VehicleKind

SUPPORTED_WEIGHTS = ("EUC_2D", "CEIL_2D")
_FLEET_RE = re.compile(r"-k(\d+)\b")
_COMMENT_TRUCKS = re.compile(r"No of trucks:\s*(\d+)", re.IGNORECASE)
_COMMENT_OPTIMUM = re.compile(r"(?:Optimal|Best) value:\s*(\d+)", re.IGNORECASE)
PLANAR_SPEED_KMH = 3.6  # 1 distance unit per second; irrelevant without time windows
UNLIMITED = TimeWindow(0, 10**9)


@dataclass(frozen=True)
class CvrpInstance:
    name: str
    comment: str
    dimension: int
    capacity: int
    edge_weight_type: str
    node_ids: tuple[int, ...]  # in file order
    coords: dict[int, tuple[float, float]]
    demands: dict[int, int]
    depots: tuple[int, ...]

    @property
    def customers(self) -> list[int]:
        return [i for i in self.node_ids if i not in self.depots]

    @property
    def fleet_size(self) -> int | None:
        """Number of vehicles named by the instance (`-kN` in the name or the comment)."""
        m = _FLEET_RE.search(self.name) or _COMMENT_TRUCKS.search(self.comment)
        return int(m.group(1)) if m else None

    @property
    def optimum_in_comment(self) -> int | None:
        m = _COMMENT_OPTIMUM.search(self.comment)
        return int(m.group(1)) if m else None

    def distance(self, a: int, b: int) -> int:
        (xa, ya), (xb, yb) = self.coords[a], self.coords[b]
        d = math.hypot(xa - xb, ya - yb)
        return math.ceil(d) if self.edge_weight_type == "CEIL_2D" else math.floor(d + 0.5)

    def distance_matrix(self) -> IntMatrix:
        ids = self.node_ids
        return np.array([[self.distance(a, b) for b in ids] for a in ids], dtype=np.int64)

    def route_cost(self, routes: Iterable[Iterable[int]]) -> int:
        """Cost of routes given as customer node ids (each starts and ends at the first depot)."""
        depot = self.depots[0]
        total = 0
        for route in routes:
            prev = depot
            for node in route:
                total += self.distance(prev, node)
                prev = node
            total += self.distance(prev, depot)
        return total


def _number(text: str, line_no: int, kind: type[int] | type[float]) -> float:
    try:
        return kind(text)
    except ValueError:
        raise TsplibError(f"line {line_no}: expected a number, got {text!r}") from None


def parse(text: str) -> CvrpInstance:
    spec: dict[str, str] = {}
    coords: dict[int, tuple[float, float]] = {}
    demands: dict[int, int] = {}
    depots: list[int] = []
    order: list[int] = []
    section: str | None = None
    depot_closed = False
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        upper = line.upper()
        if upper == "EOF":
            break
        if upper.endswith("_SECTION"):
            section = upper
            if section not in ("NODE_COORD_SECTION", "DEMAND_SECTION", "DEPOT_SECTION"):
                raise TsplibError(f"line {line_no}: unsupported section {line!r}")
            continue
        if ":" in line and not line[0].isdigit() and not line.startswith("-"):
            key, _, value = line.partition(":")
            spec[key.strip().upper()] = value.strip()
            section = None
            continue
        parts = line.split()
        if section == "NODE_COORD_SECTION":
            if len(parts) != 3:
                raise TsplibError(f"line {line_no}: a coordinate line needs 'id x y', got {line!r}")
            node = int(_number(parts[0], line_no, int))
            if node in coords:
                raise TsplibError(f"line {line_no}: node {node} has two coordinates")
            coords[node] = (float(_number(parts[1], line_no, float)), float(_number(parts[2], line_no, float)))
            order.append(node)
        elif section == "DEMAND_SECTION":
            if len(parts) != 2:
                raise TsplibError(f"line {line_no}: a demand line needs 'id demand', got {line!r}")
            node, demand = int(_number(parts[0], line_no, int)), int(_number(parts[1], line_no, int))
            if demand < 0:
                raise TsplibError(f"line {line_no}: node {node} has a negative demand {demand}")
            demands[node] = demand
        elif section == "DEPOT_SECTION":
            for part in parts:
                node_id = int(_number(part, line_no, int))
                if node_id == -1:
                    depot_closed = True
                    section = None
                    break
                depots.append(node_id)
        else:
            raise TsplibError(f"line {line_no}: data outside a section: {line!r}")

    for key in ("DIMENSION", "CAPACITY", "EDGE_WEIGHT_TYPE"):
        if key not in spec:
            raise TsplibError(f"missing {key} in the specification part")
    kind = spec.get("TYPE", "CVRP").upper()
    if kind != "CVRP":
        raise TsplibError(f"TYPE {kind} is not a CVRP instance")
    weight = spec["EDGE_WEIGHT_TYPE"].upper()
    if weight not in SUPPORTED_WEIGHTS:
        raise TsplibError(f"EDGE_WEIGHT_TYPE {weight} is not supported (only {', '.join(SUPPORTED_WEIGHTS)})")
    dimension = int(_number(spec["DIMENSION"], 0, int))
    capacity = int(_number(spec["CAPACITY"], 0, int))
    if capacity <= 0:
        raise TsplibError(f"CAPACITY must be positive, got {capacity}")
    if len(coords) != dimension:
        raise TsplibError(f"DIMENSION is {dimension} but NODE_COORD_SECTION has {len(coords)} nodes")
    if set(demands) != set(coords):
        missing = sorted(set(coords) - set(demands))[:5]
        extra = sorted(set(demands) - set(coords))[:5]
        raise TsplibError(f"DEMAND_SECTION does not match the nodes (missing {missing}, unknown {extra})")
    if not depots or not depot_closed:
        raise TsplibError("DEPOT_SECTION is missing or not terminated by -1")
    for d in depots:
        if d not in coords:
            raise TsplibError(f"depot {d} is not a node")
    return CvrpInstance(
        name=spec.get("NAME", ""),
        comment=spec.get("COMMENT", ""),
        dimension=dimension,
        capacity=capacity,
        edge_weight_type=weight,
        node_ids=tuple(order),
        coords=coords,
        demands=demands,
        depots=tuple(depots),
    )


def read(path: str | Path) -> CvrpInstance:
    return parse(Path(path).read_text(encoding="utf-8"))


def read_optimal(path: str | Path) -> dict[str, int]:
    """`instance,optimal` CSV (header line first)."""
    out: dict[str, int] = {}
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines()):
        if i == 0 or not line.strip():
            continue
        name, _, value = line.partition(",")
        out[name.strip()] = int(value)
    return out


def point_of(instance: CvrpInstance, node: int) -> Point:
    x, y = instance.coords[node]
    return Point(lat=y, lng=x)


def to_problem(instance: CvrpInstance, *, vehicles: int | None = None) -> tuple[Problem, PlanarProvider]:
    """The instance as a solver problem (one depot; `vehicles` defaults to the instance's k)."""
    if len(instance.depots) != 1:
        raise TsplibError(f"{instance.name}: only single-depot instances are supported")
    fleet = vehicles if vehicles is not None else instance.fleet_size
    if fleet is None:
        total = sum(instance.demands.values())
        fleet = max(1, math.ceil(total / instance.capacity)) + 1
    depot = instance.depots[0]
    hub = Hub(id=str(depot), point=point_of(instance, depot), name="depot")
    orders = [
        Order(id=str(node), dropoff=Stop(point_of(instance, node)), demand=instance.demands[node])
        for node in instance.customers
    ]
    fleet_list = [
        Vehicle(
            id=f"v{i + 1}",
            start_hub=hub.id,
            capacity=instance.capacity,
            speed_kmh=PLANAR_SPEED_KMH,
            cost_per_km=1,
            kind=VehicleKind.MOTOR,
            shift=UNLIMITED,
        )
        for i in range(fleet)
    ]
    return Problem(hubs=[hub], orders=orders, vehicles=fleet_list), PlanarProvider(instance.edge_weight_type)
