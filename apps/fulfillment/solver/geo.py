"""Small geometry helpers: great-circle distance and point-in-polygon (GeoJSON `[lng, lat]` rings)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

from apps.core import geo

from .model import Point

Ring = Sequence[Sequence[float]]  # [[lng, lat], ...], first == last or not
Polygon = Sequence[Ring]  # outer ring, then holes


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres (apps.core.geo.haversine_m on solver points)."""
    return geo.haversine_m(a.lat, a.lng, b.lat, b.lng)


def _in_ring(lng: float, lat: float, ring: Ring) -> bool:
    """Even-odd ray casting towards +lng."""
    inside = False
    n = len(ring)
    if n < 3:
        return False
    j = n - 1
    for i in range(n):
        xi, yi = ring[i][0], ring[i][1]
        xj, yj = ring[j][0], ring[j][1]
        if (yi > lat) != (yj > lat):
            x_cross = xi + (lat - yi) * (xj - xi) / (yj - yi)
            if lng < x_cross:
                inside = not inside
        j = i
    return inside


def point_in_polygon(point: Point, polygon: Polygon) -> bool:
    """True when `point` lies inside the outer ring and outside every hole."""
    if not polygon or not _in_ring(point.lng, point.lat, polygon[0]):
        return False
    return not any(_in_ring(point.lng, point.lat, hole) for hole in polygon[1:])


def polygons_of(geometry: dict[str, Any]) -> list[Polygon]:
    """The polygons of a GeoJSON Polygon or MultiPolygon geometry."""
    kind = geometry.get("type")
    coords = geometry.get("coordinates")
    if kind == "Polygon" and isinstance(coords, list):
        return [coords]
    if kind == "MultiPolygon" and isinstance(coords, list):
        return list(coords)
    raise ValueError(f"unsupported geometry type {kind!r}")


def in_any(point: Point, polygons: Sequence[Polygon]) -> bool:
    return any(point_in_polygon(point, p) for p in polygons)


def bbox(polygons: Sequence[Polygon]) -> tuple[float, float, float, float]:
    """(min_lng, min_lat, max_lng, max_lat) of the outer rings."""
    xs = [c[0] for poly in polygons for c in poly[0]]
    ys = [c[1] for poly in polygons for c in poly[0]]
    return min(xs), min(ys), max(xs), max(ys)


def sample_in(polygons: Sequence[Polygon], rng: random.Random, *, max_tries: int = 100_000) -> Point:
    """A point uniform over the area of `polygons` (rejection sampling in the bounding box)."""
    min_lng, min_lat, max_lng, max_lat = bbox(polygons)
    for _ in range(max_tries):
        p = Point(lat=rng.uniform(min_lat, max_lat), lng=rng.uniform(min_lng, max_lng))
        if in_any(p, polygons):
            return p
    raise ValueError("could not sample a point inside the polygons (degenerate geometry?)")
