"""TSPLIB/CVRPLIB reader: the Augerat A files, rounding, and malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from apps.fulfillment.solver import TsplibError, tsplib
from apps.fulfillment.solver.matrix import PlanarProvider

from .factories import AUGERAT

OPTIMAL = tsplib.read_optimal(Path(AUGERAT) / "optimal.csv")

# CVRPLIB's published optimal solution of A-n32-k5 (customers numbered from 1 = TSPLIB node 2).
A_N32_K5_SOLUTION = [
    [21, 31, 19, 17, 13, 7, 26],
    [12, 1, 16, 30],
    [27, 24],
    [29, 18, 8, 9, 22, 15, 10, 25, 5, 20],
    [14, 28, 11, 4, 23, 3, 2, 6],
]

SMALL = """NAME : tiny-k2
COMMENT : (hand made, No of trucks: 2, Optimal value: 44)
TYPE : CVRP
DIMENSION:5
EDGE_WEIGHT_TYPE   :   EUC_2D
CAPACITY : 2
NODE_COORD_SECTION
 1 0 0
 2 0 10
 3 0 11
 4 10 0
 5 11 0
DEMAND_SECTION
1 0
2 1
3 1
4 1
5 1
DEPOT_SECTION
 1
 -1
EOF
"""


def test_reads_all_27_augerat_instances() -> None:
    files = sorted(Path(AUGERAT).glob("*.vrp"))
    assert len(files) == 27 == len(OPTIMAL)
    for path in files:
        inst = tsplib.read(path)
        assert inst.name == path.stem
        assert inst.edge_weight_type == "EUC_2D"
        assert inst.dimension == len(inst.node_ids) == len(inst.coords) == len(inst.demands)
        assert inst.depots == (1,)
        assert inst.demands[1] == 0
        assert len(inst.customers) == inst.dimension - 1
        assert all(d > 0 for n, d in inst.demands.items() if n != 1)
        assert inst.capacity == 100
        # name "-kN" and comment agree; the optimum in the comment matches optimal.csv
        assert inst.fleet_size == int(path.stem.split("-k")[1])
        assert inst.optimum_in_comment == OPTIMAL[inst.name]
        # the fleet can carry everything
        assert sum(inst.demands.values()) <= inst.fleet_size * inst.capacity


def test_a_n32_k5_header_and_sections() -> None:
    inst = tsplib.read(Path(AUGERAT) / "A-n32-k5.vrp")
    assert (inst.dimension, inst.capacity, inst.fleet_size) == (32, 100, 5)
    assert inst.coords[1] == (82.0, 76.0)
    assert inst.coords[32] == (98.0, 5.0)
    assert inst.demands[2] == 19
    assert inst.demands[32] == 9
    assert sum(inst.demands.values()) == 410


def test_euc_2d_is_rounded_to_nearest() -> None:
    inst = tsplib.read(Path(AUGERAT) / "A-n32-k5.vrp")
    # node 1 (82,76) to node 2 (96,44): sqrt(14² + 32²) = sqrt(1220) = 34.93 -> 35
    assert inst.distance(1, 2) == 35
    # node 1 to node 3 (50,5): sqrt(32² + 71²) = sqrt(6065) = 77.88 -> 78
    assert inst.distance(1, 3) == 78
    m = inst.distance_matrix()
    assert (m == m.T).all()
    assert (m.diagonal() == 0).all()
    # the provider used by the solver gives exactly the same matrix
    _, provider = tsplib.to_problem(inst)
    pm = provider.matrix([tsplib.point_of(inst, n) for n in inst.node_ids])
    assert (pm.distances_m == m).all()


def test_half_rounds_up_like_tsplib_nint() -> None:
    text = SMALL.replace(" 3 0 11", " 3 0.5 0").replace(" 4 10 0", " 4 1.5 2")
    inst = tsplib.parse(text)
    assert inst.distance(1, 3) == 1  # 0.5 -> 1 (nint), not banker's 0
    assert inst.distance(1, 4) == 3  # 2.5 -> 3


def test_known_optimal_solution_costs_784() -> None:
    inst = tsplib.read(Path(AUGERAT) / "A-n32-k5.vrp")
    routes = [[c + 1 for c in route] for route in A_N32_K5_SOLUTION]
    assert sorted(n for r in routes for n in r) == inst.customers
    assert all(sum(inst.demands[n] for n in r) <= inst.capacity for r in routes)
    assert inst.route_cost(routes) == 784 == OPTIMAL["A-n32-k5"]


def test_spacing_variants_and_comment() -> None:
    inst = tsplib.parse(SMALL)
    assert inst.dimension == 5
    assert inst.capacity == 2
    assert inst.fleet_size == 2
    assert inst.optimum_in_comment == 44
    assert inst.route_cost([[2, 3], [4, 5]]) == 44


def test_to_problem() -> None:
    inst = tsplib.parse(SMALL)
    problem, provider = tsplib.to_problem(inst)
    assert isinstance(provider, PlanarProvider)
    assert [o.id for o in problem.orders] == ["2", "3", "4", "5"]
    assert len(problem.vehicles) == 2
    assert all(v.capacity == 2 for v in problem.vehicles)
    assert problem.hubs[0].point.lng == 0 and problem.hubs[0].point.lat == 0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("DIMENSION:5\n", ""), "missing DIMENSION"),
        (("DIMENSION:5", "DIMENSION:6"), "DIMENSION is 6"),
        (("EUC_2D", "GEO"), "GEO is not supported"),
        (("TYPE : CVRP", "TYPE : TSP"), "not a CVRP"),
        ((" -1\n", ""), "DEPOT_SECTION"),
        (("3 1\n", "3 -4\n"), "negative demand"),
        (("5 1\n", ""), "DEMAND_SECTION does not match"),
        ((" 2 0 10", " 2 0 ten"), "expected a number"),
        (("CAPACITY : 2", "CAPACITY : 0"), "CAPACITY must be positive"),
        (("NODE_COORD_SECTION", "EDGE_WEIGHT_SECTION"), "unsupported section"),
    ],
)
def test_malformed_files_raise_clear_errors(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in SMALL
    with pytest.raises(TsplibError, match=message):
        tsplib.parse(SMALL.replace(old, new, 1))


def test_tsplib_error_is_a_value_error() -> None:
    assert issubclass(TsplibError, ValueError)
