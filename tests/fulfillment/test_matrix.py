"""Travel matrices: haversine with detour, and the OSRM adapter against a local fake server."""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from apps.fulfillment.solver import (
    HaversineProvider,
    Hub,
    MatrixError,
    Order,
    OsrmProvider,
    Point,
    Problem,
    SolveOptions,
    Stop,
    Vehicle,
    check_plan,
    solve,
)
from apps.fulfillment.solver.geo import haversine_m

MADIUN = Point(-7.6298, 111.5239)
POINTS = [
    MADIUN,
    Point(-7.6205, 111.5307),
    Point(-7.6401, 111.5102),
    Point(-7.6150, 111.5450),
    Point(-7.6333, 111.5222),
    Point(-7.6500, 111.5300),
    Point(-7.6100, 111.5150),
]


def test_haversine_known_distances() -> None:
    # one degree of latitude on the mean sphere: 2 * pi * 6371008.8 / 360
    assert haversine_m(Point(0, 0), Point(1, 0)) == pytest.approx(111_195.08, abs=0.1)
    # Madiun to Surabaya (Tugu Pahlawan) is about 140 km as the crow flies
    assert haversine_m(MADIUN, Point(-7.2458, 112.7378)) == pytest.approx(140_000, rel=0.03)
    assert haversine_m(MADIUN, MADIUN) == 0


def test_haversine_provider_applies_the_detour_factor() -> None:
    straight = HaversineProvider(detour=1.0).matrix(POINTS)
    default = HaversineProvider().matrix(POINTS)
    assert default.source == "haversine"
    assert default.durations_s is None
    for i, a in enumerate(POINTS):
        for j, b in enumerate(POINTS):
            assert straight.distances_m[i, j] == round(haversine_m(a, b))
            assert default.distances_m[i, j] == round(haversine_m(a, b) * 1.3)
    assert (default.distances_m == default.distances_m.T).all()
    assert default.distance(POINTS[1], POINTS[2]) == default.distances_m[1, 2]
    with pytest.raises(MatrixError):
        HaversineProvider(detour=0.5)


# ---------------------------------------------------------------- fake OSRM


def _fake_metres(a: list[float], b: list[float]) -> float:
    # deterministic "road" distance: 1.5 x haversine, so it differs from the fallback
    return 1.5 * haversine_m(Point(a[1], a[0]), Point(b[1], b[0]))


class FakeOsrm(BaseHTTPRequestHandler):
    mode: ClassVar[str] = "ok"
    requests: ClassVar[list[str]] = []

    def log_message(self, format: str, *args: Any) -> None:  # silence the test output
        pass

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        mode = type(self).mode
        if mode == "slow":
            time.sleep(1.0)
        if mode == "500":
            self._send(500, b'{"code": "InternalError"}')
            return
        if mode == "garbage":
            self._send(200, b"<html>not json</html>")
            return
        url = urlsplit(self.path)
        parts = url.path.split("/")
        assert parts[1:4] == ["table", "v1", "driving"], url.path
        coords = [[float(x) for x in c.split(",")] for c in parts[4].split(";")]
        query = parse_qs(url.query)
        assert query["annotations"] == ["distance,duration"]
        sources = [int(i) for i in query["sources"][0].split(";")] if "sources" in query else range(len(coords))
        dests = [int(i) for i in query["destinations"][0].split(";")] if "destinations" in query else range(len(coords))
        if mode == "too-big" and len(coords) > 4:
            self._send(400, b'{"code": "TooBig", "message": "Too many table coordinates"}')
            return
        distances: list[list[float | None]] = [[_fake_metres(coords[i], coords[j]) for j in dests] for i in sources]
        durations: list[list[float | None]] = [[d / 8.0 if d is not None else None for d in row] for row in distances]
        if mode == "holes":
            distances[0][-1] = None
            durations[0][-1] = None
        body = {"code": "Ok" if mode != "not-ok" else "NoTable", "distances": distances, "durations": durations}
        self._send(200, json.dumps(body).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def osrm() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    FakeOsrm.mode = "ok"
    FakeOsrm.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def _expected(points: list[Point]) -> list[list[int]]:
    return [[round(_fake_metres([a.lng, a.lat], [b.lng, b.lat])) for b in points] for a in points]


def test_osrm_table_request_and_parsing(osrm: str) -> None:
    m = OsrmProvider(osrm).matrix(POINTS)
    assert m.source == "osrm"
    assert m.distances_m.tolist() == _expected(POINTS)
    assert m.durations_s is not None
    assert m.durations_s[1, 2] == round(
        _fake_metres([POINTS[1].lng, POINTS[1].lat], [POINTS[2].lng, POINTS[2].lat]) / 8
    )
    (path,) = FakeOsrm.requests
    coords = urlsplit(path).path.split("/")[4]
    assert coords.split(";")[0] == "111.523900,-7.629800"  # lon,lat order
    assert "annotations=distance,duration" in path


def test_osrm_large_tables_are_fetched_in_blocks(osrm: str) -> None:
    FakeOsrm.mode = "too-big"  # the server refuses more than 4 coordinates per request
    m = OsrmProvider(osrm, max_locations=4).matrix(POINTS)
    assert m.source == "osrm", m.notes
    assert m.distances_m.tolist() == _expected(POINTS)
    assert len(FakeOsrm.requests) == math.ceil(len(POINTS) / 2) ** 2
    assert all("sources=" in r and "destinations=" in r for r in FakeOsrm.requests)


@pytest.mark.parametrize(("mode", "reason"), [("500", "HTTP 500"), ("garbage", "not JSON"), ("not-ok", "NoTable")])
def test_osrm_errors_fall_back_to_haversine(osrm: str, mode: str, reason: str) -> None:
    FakeOsrm.mode = mode
    m = OsrmProvider(osrm).matrix(POINTS)
    assert m.source == "haversine"
    assert m.distances_m.tolist() == HaversineProvider().matrix(POINTS).distances_m.tolist()
    assert reason in m.notes[0]
    assert "fell back to haversine" in m.notes[0]


def test_osrm_timeout_falls_back_quickly(osrm: str) -> None:
    FakeOsrm.mode = "slow"
    started = time.perf_counter()
    m = OsrmProvider(osrm, timeout_s=0.2).matrix(POINTS)
    assert time.perf_counter() - started < 0.9  # did not wait for the 1 s answer
    assert m.source == "haversine"
    assert "timed out" in m.notes[0]


def test_osrm_connection_refused_falls_back() -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    m = OsrmProvider(f"http://127.0.0.1:{port}", timeout_s=1).matrix(POINTS)
    assert m.source == "haversine"
    assert "unavailable" in m.notes[0]


def test_osrm_unroutable_pairs_are_filled_and_counted(osrm: str) -> None:
    FakeOsrm.mode = "holes"
    m = OsrmProvider(osrm).matrix(POINTS)
    assert m.source == "osrm"
    fallback = HaversineProvider().matrix(POINTS)
    assert m.distances_m[0, len(POINTS) - 1] == fallback.distances_m[0, len(POINTS) - 1]
    assert any("1 pairs had no road route" in n for n in m.notes)


def test_osrm_rejects_non_http_urls() -> None:
    with pytest.raises(MatrixError):
        OsrmProvider("file:///etc/passwd")


def test_solve_reports_the_fallback_in_the_plan(osrm: str) -> None:
    FakeOsrm.mode = "500"
    hub = Hub("H", MADIUN)
    problem = Problem(
        [hub],
        [Order(f"o{i}", Stop(p), 1) for i, p in enumerate(POINTS[1:])],
        [Vehicle("v", "H", capacity=10, speed_kmh=20, cost_per_km=500)],
    )
    provider = OsrmProvider(osrm)
    plan = solve(problem, SolveOptions(time_limit_s=0.5), provider=provider)
    assert plan.matrix_source == "haversine"
    assert any("fell back to haversine" in n for n in plan.notes)
    assert len(plan.served) == len(POINTS) - 1
    assert check_plan(problem, plan, HaversineProvider().matrix(problem.points())) == []


def test_solve_with_road_durations_uses_the_slower_of_road_and_vehicle(osrm: str) -> None:
    hub = Hub("H", MADIUN)
    problem = Problem(
        [hub],
        [Order("o", Stop(POINTS[3]), 1)],
        [Vehicle("fast", "H", capacity=10, speed_kmh=200, cost_per_km=500)],
    )
    matrix = OsrmProvider(osrm).matrix(problem.points())
    plan = solve(problem, SolveOptions(time_limit_s=0.3), matrix=matrix)
    assert check_plan(problem, plan, matrix) == []
    (route,) = plan.routes
    leg = route.visits[1]
    road = matrix.duration(MADIUN, POINTS[3])
    assert road is not None
    assert leg.arrival_s - route.visits[0].departure_s == road  # 200 km/h would be faster than the road allows
