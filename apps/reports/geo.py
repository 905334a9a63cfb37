"""Distances on the Earth for duplicate suggestions and location checks. No Django here.

Haversine on a sphere of the IUGG mean radius: within 0.6 % of the WGS84 ellipsoidal
distance (about 1.5 m at 250 m), well below what a phone GPS knows (5-10 m).
`bounding_box` gives the lat/lng rectangle that contains every point within a radius, so a
database can narrow candidates with an index before the exact distance is computed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EARTH_RADIUS_M = 6_371_008.8


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS84 points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class BoundingBox:
    min_lat: float
    max_lat: float
    min_lng: float
    max_lng: float

    def contains(self, lat: float, lng: float) -> bool:
        return self.min_lat <= lat <= self.max_lat and self.min_lng <= lng <= self.max_lng


def bounding_box(lat: float, lng: float, radius_m: float) -> BoundingBox:
    """The smallest lat/lng rectangle holding the circle of `radius_m` around (lat, lng).

    Slightly generous (1 %) so points on the circle itself are never cut by rounding. Not
    meant for the poles or the antimeridian, which no kelurahan touches.
    """
    radius = radius_m * 1.01
    dlat = math.degrees(radius / EARTH_RADIUS_M)
    cos_lat = max(math.cos(math.radians(lat)), 1e-6)
    dlng = math.degrees(radius / (EARTH_RADIUS_M * cos_lat))
    return BoundingBox(lat - dlat, lat + dlat, lng - dlng, lng + dlng)


def offset(lat: float, lng: float, north_m: float, east_m: float) -> tuple[float, float]:
    """The point `north_m` metres north and `east_m` metres east of (lat, lng) (small offsets)."""
    dlat = math.degrees(north_m / EARTH_RADIUS_M)
    dlng = math.degrees(east_m / (EARTH_RADIUS_M * math.cos(math.radians(lat))))
    return lat + dlat, lng + dlng


def valid_point(lat: float, lng: float) -> bool:
    return math.isfinite(lat) and math.isfinite(lng) and -90 <= lat <= 90 and -180 <= lng <= 180
