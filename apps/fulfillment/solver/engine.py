"""`solve()`: the one entry point, and the backend selector.

Steps, all inside `SolveOptions.time_limit_s` of wall-clock time:

1. travel matrix over the problem's distinct points (the provider gets at most a quarter of the
   budget; an OSRM failure falls back to haversine and says so in `Plan.notes`);
2. pre-check every order against every courier alone (capacity; reaching each window from the
   courier's hub at shift start; getting back before the shift ends). Orders no courier can
   serve are reported with a reason and kept out of the model;
3. the chosen backend routes the rest under the remaining time; orders it leaves out come back
   as `no_room_left`;
4. routes are rebuilt and checked from the backend's visit order (`core.build_routes`).

Backend selection (`Backend.AUTO`)
----------------------------------
Rule: **PyVRP for every problem type** (`cvrp`, `vrptw`, `pdp`); OR-Tools when asked for, and as
the fallback when PyVRP raises or returns no feasible solution (the remaining time goes to
OR-Tools, and `Plan.notes` says so).

Objective
---------
`SolveOptions.objective`: `Objective.COST` (default) minimises rupiah, metres x each courier's
Rp/km plus fixed costs; `Objective.DISTANCE` minimises metres. Routes report both either way.
With a mixed fleet the two differ a lot: the rupiah plan hands work to sepeda (Rp 150/km) and
becak (Rp 300/km) and drives further than a motor (Rp 500/km) would (see the bench below).

Evidence (`bench/routing.py`, both backends in the same run with the same budget, 2 shared
cores; full numbers in bench/results/routing.json):

* cvrp - Augerat A, 27 instances, 5 s each, load average ~8 (each solve got ~1.9 of its 5
  CPU-seconds): PyVRP mean gap 0.05 %, max 0.35 %, 20/27 optimal; OR-Tools (PATH_CHEAPEST_ARC
  + GLS) mean 2.23 %, max 6.25 %, 3/27 optimal. In a busier run (~1.4 CPU-seconds per solve):
  PyVRP 0.10 % / 1.19 %, OR-Tools 2.90 % / 6.25 %. With
  PyVRP's default penalty start and update rate PyVRP had 0.10 % at ~4 CPU-seconds and
  0.12-0.14 % on a busy machine (see `pyvrp_backend.initial_penalties`).
* vrptw - Kota Madiun, 200 orders with 2-hour slots, 20 mixed multi-trip couriers at 20 hubs,
  goods at every hub, 10 s, minimising distance (same run): PyVRP 148.0 km, OR-Tools
  (PARALLEL_CHEAPEST_INSERTION + GLS) 170.8 km; both 200/200 served. Orders of seed 1: 131.9
  vs 149.4 km.
* pdp - the same orders collected at their kelurahan's hub first, 10 s, minimising distance:
  PyVRP 180.7 km, OR-Tools 199.7 km (seed 1: 169.8 vs 178.2 km); both 200/200 served.
* mixed random instances (development sweeps before the penalty change, not in the
  benchmark): 40 instances of 20-35 orders with windows, pairs, 3 hubs, multi-trip and fixed
  costs at 1 s each - PyVRP served 880 orders at Rp 255,934, OR-Tools 820 at Rp 268,620; 220
  small instances from the tests' generator at 0.2 s - PyVRP 1,163 orders served, OR-Tools
  1,160. No plan from either broke a constraint.

PyVRP 0.14 does support pickup-and-delivery (`Shipment`), so PD problems do not need OR-Tools.
Known weak spot (measured before the penalty change, rupiah objective, 20 s): with reloads
(multi-trip couriers) PyVRP's plan for the vrptw case above was longer than its plan when every
courier makes a single trip (about 174 vs 159 km for seed 7), although the multi-trip plans are
a superset; it still beat OR-Tools there. Reload depots are only given to PyVRP when some order
is loaded at the hub (pure pickup-delivery problems get none).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .core import CVRP, PDP, VRPTW, Compiled, build_routes, compile_problem
from .errors import MatrixError
from .matrix import HaversineProvider, MatrixProvider, TravelMatrix
from .model import Backend, Plan, Problem, Reason, Route, SolveOptions, Unassigned

if TYPE_CHECKING:  # the backends load OR-Tools/PyVRP, so only a routing call imports them (not web processes)
    from . import ortools_backend

logger = logging.getLogger(__name__)

# Which backend wins per problem type (see the module docstring for the evidence).
PREFERRED: dict[str, Backend] = {CVRP: Backend.PYVRP, VRPTW: Backend.PYVRP, PDP: Backend.PYVRP}

MATRIX_SHARE = 0.25  # at most this share of the budget may go to fetching the matrix


def choose_backend(problem_type: str, requested: Backend = Backend.AUTO) -> Backend:
    if requested is not Backend.AUTO:
        return requested
    return PREFERRED.get(problem_type, Backend.ORTOOLS)


def _reserve(limit_s: float) -> float:
    """Time kept back for model building and route rebuilding after the search stops."""
    return min(1.0, 0.05 * limit_s + 0.05)


def _ensure_covers(matrix: TravelMatrix, problem: Problem) -> None:
    missing = matrix.missing(problem.points())
    if missing:
        raise MatrixError(f"the travel matrix lacks {len(missing)} of the problem's points, e.g. {missing[0]}")


def solve(
    problem: Problem,
    options: SolveOptions | None = None,
    *,
    provider: MatrixProvider | None = None,
    matrix: TravelMatrix | None = None,
) -> Plan:
    """Route `problem` within `options.time_limit_s` (wall clock, everything included).

    `matrix` (covering `problem.points()`) wins over `provider`; without either, haversine x 1.3.
    Raises `InvalidProblem`/`MatrixError` (ValueErrors) for bad input only; orders that cannot be
    served are returned in `Plan.unassigned` with a reason.
    """
    opts = options if options is not None else SolveOptions()
    started = time.perf_counter()
    limit = opts.time_limit_s

    def elapsed() -> float:
        return time.perf_counter() - started

    if matrix is None:
        source = provider if provider is not None else HaversineProvider()
        matrix = source.matrix(problem.points(), timeout_s=MATRIX_SHARE * limit)
    _ensure_covers(matrix, problem)
    compiled = compile_problem(problem, matrix, opts.objective)
    notes = list(matrix.notes)
    unassigned: list[Unassigned] = list(compiled.rejected)

    if not compiled.order_nodes:
        return _plan(compiled, [], unassigned, "none", opts, elapsed(), notes)

    backend = choose_backend(compiled.problem_type, opts.backend)
    budget = max(0.05, limit - elapsed() - _reserve(limit))
    result = _run(compiled, backend, budget, opts)
    notes.extend(result.notes)
    used = backend.value
    if not result.found and backend is Backend.PYVRP:
        budget = max(0.05, limit - elapsed() - _reserve(limit))
        notes.append(f"PyVRP gave no feasible plan; OR-Tools solved with the remaining {budget:.1f} s")
        result = _run(compiled, Backend.ORTOOLS, budget, opts)
        notes.extend(result.notes)
        used = Backend.ORTOOLS.value
    if not result.found:
        unassigned.extend(
            Unassigned(
                problem.orders[o].id,
                Reason.SOLVER_TIMEOUT,
                "the solver found no plan within the time limit; try again with more time",
            )
            for o in compiled.order_nodes
        )
        return _plan(compiled, [], unassigned, used, opts, elapsed(), notes)

    routes, dropped, repair_notes = build_routes(compiled, result.sequences)
    notes.extend(repair_notes)
    unassigned.extend(dropped)
    return _plan(compiled, routes, unassigned, used, opts, elapsed(), notes)


def _run(compiled: Compiled, backend: Backend, budget: float, opts: SolveOptions) -> ortools_backend.BackendResult:
    from . import ortools_backend, pyvrp_backend

    if backend is Backend.PYVRP:
        try:
            return pyvrp_backend.solve(compiled, budget, seed=opts.seed)
        except (
            RuntimeError,
            ValueError,
            IndexError,
            TypeError,
        ) as exc:  # a PyVRP limitation must not sink the dispatch
            logger.warning("PyVRP failed, falling back to OR-Tools: %s", exc)
            return ortools_backend.BackendResult({}, False, "error", notes=[f"PyVRP failed: {exc}"])
    return ortools_backend.solve(compiled, budget, seed=opts.seed, first=opts.first_solution)


def _plan(
    compiled: Compiled,
    routes: Sequence[Route],
    unassigned: list[Unassigned],
    backend: str,
    opts: SolveOptions,
    wall: float,
    notes: list[str],
) -> Plan:
    order_pos = {o.id: i for i, o in enumerate(compiled.problem.orders)}
    return Plan(
        routes=tuple(routes),
        unassigned=tuple(sorted(unassigned, key=lambda u: order_pos[u.order_id])),
        backend=backend,
        problem_type=compiled.problem_type,
        time_limit_s=opts.time_limit_s,
        wall_time_s=wall,
        matrix_source=compiled.matrix.source,
        notes=tuple(notes),
    )
