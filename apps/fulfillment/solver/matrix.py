"""Travel matrices and the providers that make them.

`MatrixProvider.matrix(points)` returns a `TravelMatrix` of integer metres (and, when the
provider knows them, integer seconds) between every pair of points.

* `HaversineProvider` (the default): great-circle distance × a detour factor (1.3: streets are
  not straight lines). No durations; the solver times travel by each vehicle's speed.
* `OsrmProvider`: an OSRM-compatible HTTP table service
  (`GET {base}/table/v1/{profile}/{lon,lat;...}?annotations=distance,duration`). Large tables
  are fetched in blocks with `sources`/`destinations` (OSRM's default max table size is 100).
  On any error (connection refused, timeout, HTTP error, malformed JSON, `code != "Ok"`) it
  falls back to its fallback provider and says so in `TravelMatrix.notes`; single unroutable
  pairs (`null` cells) are filled from the fallback too, and counted in a note.
* `PlanarProvider`: TSPLIB EUC_2D / CEIL_2D distances over planar coordinates carried in
  `Point(lat=y, lng=x)` (used to run the Augerat benchmark through the same solver).

OSRM's durations are for cars; the solver uses, per vehicle, the larger of the road duration
and distance / vehicle speed, so a becak is never timed like a car.
"""

from __future__ import annotations

import json
import math
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from apps.core import geo

from .errors import MatrixError
from .model import Point

IntMatrix = npt.NDArray[np.int64]

DEFAULT_DETOUR = 1.3


@dataclass(frozen=True)
class TravelMatrix:
    points: tuple[Point, ...]
    distances_m: IntMatrix
    durations_s: IntMatrix | None
    source: str  # "haversine", "osrm", "planar", ...
    notes: tuple[str, ...] = field(default=())
    _index: dict[Point, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        n = len(self.points)
        if self.distances_m.shape != (n, n):
            raise MatrixError(f"distance matrix is {self.distances_m.shape}, expected {(n, n)}")
        if self.durations_s is not None and self.durations_s.shape != (n, n):
            raise MatrixError(f"duration matrix is {self.durations_s.shape}, expected {(n, n)}")
        if n and int(self.distances_m.min()) < 0:
            raise MatrixError("distance matrix has negative entries")
        if not self._index:
            for i, p in enumerate(self.points):
                self._index.setdefault(p, i)

    def missing(self, points: Sequence[Point]) -> list[Point]:
        """The points this matrix does not cover."""
        return [p for p in points if p not in self._index]

    def index(self, point: Point) -> int:
        try:
            return self._index[point]
        except KeyError:
            raise MatrixError(f"point {point} is not in the travel matrix") from None

    def distance(self, a: Point, b: Point) -> int:
        return int(self.distances_m[self.index(a), self.index(b)])

    def duration(self, a: Point, b: Point) -> int | None:
        if self.durations_s is None:
            return None
        return int(self.durations_s[self.index(a), self.index(b)])


class MatrixProvider(Protocol):
    def matrix(self, points: Sequence[Point], *, timeout_s: float | None = None) -> TravelMatrix: ...


@dataclass(frozen=True)
class HaversineProvider:
    """Great-circle metres × `detour` (rounded). Fast (numpy), offline, never fails."""

    detour: float = DEFAULT_DETOUR

    def __post_init__(self) -> None:
        if not (math.isfinite(self.detour) and self.detour >= 1.0):
            raise MatrixError(f"detour factor must be >= 1, got {self.detour}")

    def distances(self, points: Sequence[Point]) -> IntMatrix:
        coordinates = [(p.lat, p.lng) for p in points]
        metres = geo.haversine_matrix_m(coordinates, coordinates)
        return np.rint(metres * self.detour).astype(np.int64)

    def matrix(self, points: Sequence[Point], *, timeout_s: float | None = None) -> TravelMatrix:
        pts = tuple(points)
        return TravelMatrix(pts, self.distances(pts), None, "haversine", (f"haversine x{self.detour:g}",))


@dataclass(frozen=True)
class PlanarProvider:
    """TSPLIB planar distances: EUC_2D = nint(euclid), CEIL_2D = ceil(euclid); x = lng, y = lat."""

    rounding: str = "EUC_2D"

    def matrix(self, points: Sequence[Point], *, timeout_s: float | None = None) -> TravelMatrix:
        pts = tuple(points)
        x = np.array([p.lng for p in pts], dtype=np.float64)
        y = np.array([p.lat for p in pts], dtype=np.float64)
        d = np.sqrt((x[:, None] - x[None, :]) ** 2 + (y[:, None] - y[None, :]) ** 2)
        if self.rounding == "EUC_2D":
            m = np.floor(d + 0.5)  # TSPLIB nint(): round half up
        elif self.rounding == "CEIL_2D":
            m = np.ceil(d)
        else:
            raise MatrixError(f"unsupported planar rounding {self.rounding!r}")
        return TravelMatrix(pts, m.astype(np.int64), None, "planar", (f"TSPLIB {self.rounding}",))


Fetch = Callable[[str, float], bytes]


class OsrmUnavailable(Exception):
    """Internal: the OSRM service did not give a usable answer."""


def _urlopen(url: str, timeout: float) -> bytes:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise OsrmUnavailable(f"refusing non-HTTP URL {url!r}")
    request = urllib.request.Request(  # noqa: S310 - scheme checked above
        url, headers={"Accept": "application/json", "User-Agent": "kotakita-routing"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - scheme checked above
        body: bytes = response.read()
        return body


class OsrmProvider:
    """OSRM `table` service adapter with haversine fallback.

    `timeout_s` bounds the whole matrix (all blocks); the solver may pass a smaller one so the
    matrix never eats the solve budget.
    """

    def __init__(
        self,
        base_url: str,
        *,
        profile: str = "driving",
        timeout_s: float = 5.0,
        max_locations: int = 100,
        fallback: MatrixProvider | None = None,
        fetch: Fetch | None = None,
    ) -> None:
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise MatrixError(f"OSRM base URL must be http(s): {base_url!r}")
        if max_locations < 2:
            raise MatrixError("max_locations must be at least 2")
        self.base_url = base_url.rstrip("/")
        self.profile = profile
        self.timeout_s = timeout_s
        self.max_locations = max_locations
        self.fallback: MatrixProvider = fallback if fallback is not None else HaversineProvider()
        self._fetch: Fetch = fetch if fetch is not None else _urlopen

    def url(self, points: Sequence[Point], sources: Sequence[int] = (), destinations: Sequence[int] = ()) -> str:
        coords = ";".join(f"{p.lng:.6f},{p.lat:.6f}" for p in points)
        query = "annotations=distance,duration"
        if sources:
            query += "&sources=" + ";".join(map(str, sources))
        if destinations:
            query += "&destinations=" + ";".join(map(str, destinations))
        return f"{self.base_url}/table/v1/{self.profile}/{coords}?{query}"

    def matrix(self, points: Sequence[Point], *, timeout_s: float | None = None) -> TravelMatrix:
        pts = tuple(points)
        budget = self.timeout_s if timeout_s is None else min(self.timeout_s, timeout_s)
        try:
            dist, dur = self._table(pts, time.monotonic() + max(0.0, budget))
        except OsrmUnavailable as exc:
            fb = self.fallback.matrix(pts, timeout_s=timeout_s)
            note = f"OSRM {self.base_url} unavailable ({exc}); fell back to {fb.source}"
            return replace(fb, notes=(note, *fb.notes))
        notes: list[str] = [f"OSRM {self.base_url} ({self.profile})"]
        missing = np.isnan(dist) | np.isnan(dur)
        np.fill_diagonal(missing, False)
        if missing.any():
            fb = self.fallback.matrix(pts, timeout_s=timeout_s)
            dist = np.where(missing, fb.distances_m, dist)
            dur = np.where(missing, np.nan, dur)
            notes.append(f"{int(missing.sum())} pairs had no road route; used {fb.source} distances for them")
        dist_i = np.rint(np.nan_to_num(dist, nan=0.0)).astype(np.int64)
        dur_i = np.rint(np.nan_to_num(dur, nan=0.0)).astype(np.int64)
        np.fill_diagonal(dist_i, 0)
        np.fill_diagonal(dur_i, 0)
        return TravelMatrix(pts, dist_i, dur_i, "osrm", tuple(notes))

    def _table(
        self, pts: tuple[Point, ...], deadline: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        n = len(pts)
        dist = np.zeros((n, n), dtype=np.float64)
        dur = np.zeros((n, n), dtype=np.float64)
        if n <= 1:
            return dist, dur
        if n <= self.max_locations:
            d, t = self._request(self.url(pts), n, n, deadline)
            return d, t
        block = max(1, self.max_locations // 2)
        for r0 in range(0, n, block):
            rows = list(range(r0, min(n, r0 + block)))
            for c0 in range(0, n, block):
                cols = list(range(c0, min(n, c0 + block)))
                sub = [pts[i] for i in rows] + [pts[j] for j in cols]
                url = self.url(sub, range(len(rows)), range(len(rows), len(sub)))
                d, t = self._request(url, len(rows), len(cols), deadline)
                dist[np.ix_(rows, cols)] = d
                dur[np.ix_(rows, cols)] = t
        return dist, dur

    def _request(
        self, url: str, n_rows: int, n_cols: int, deadline: float
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise OsrmUnavailable("timed out")
        try:
            body = self._fetch(url, remaining)
        except urllib.error.HTTPError as exc:
            raise OsrmUnavailable(f"HTTP {exc.code}") from exc
        except TimeoutError as exc:
            raise OsrmUnavailable("timed out") from exc
        except urllib.error.URLError as exc:
            reason = "timed out" if isinstance(exc.reason, TimeoutError) else str(exc.reason)
            raise OsrmUnavailable(reason) from exc
        except OSError as exc:
            raise OsrmUnavailable(str(exc) or type(exc).__name__) from exc
        try:
            data: Any = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise OsrmUnavailable("response is not JSON") from exc
        if not isinstance(data, dict) or data.get("code") != "Ok":
            code = data.get("code") if isinstance(data, dict) else None
            raise OsrmUnavailable(f"service answered code {code!r}")
        return self._grid(data, "distances", n_rows, n_cols), self._grid(data, "durations", n_rows, n_cols)

    @staticmethod
    def _grid(data: dict[str, Any], key: str, n_rows: int, n_cols: int) -> npt.NDArray[np.float64]:
        rows = data.get(key)
        if not isinstance(rows, list) or len(rows) != n_rows:
            raise OsrmUnavailable(f"response has no {n_rows}-row {key!r} table")
        out = np.full((n_rows, n_cols), np.nan, dtype=np.float64)
        for i, row in enumerate(rows):
            if not isinstance(row, list) or len(row) != n_cols:
                raise OsrmUnavailable(f"{key!r} row {i} has the wrong length")
            for j, cell in enumerate(row):
                if cell is None:
                    continue
                if not isinstance(cell, int | float) or isinstance(cell, bool) or not math.isfinite(cell) or cell < 0:
                    raise OsrmUnavailable(f"{key!r} has an invalid cell {cell!r}")
                out[i, j] = float(cell)
        return out
