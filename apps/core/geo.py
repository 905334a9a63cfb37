"""Geography in one place: distances on the Earth and "is this point inside the kelurahan/kota".

Distances: haversine on a sphere of the IUGG mean radius, within 0.6 % of the WGS84 ellipsoidal
distance (about 1.5 m at 250 m), well below what a phone GPS knows (5-10 m). `bounding_box`
gives the lat/lng rectangle that contains every point within a radius, so a database can narrow
candidates with an index before the exact distance is computed.

Containment (`inside_tenant`): on the tenant's real boundary polygon (GeoJSON uploaded by staff,
`Tenant.boundary`, checked by `clean_boundary`) when one is known; otherwise the circle of a
radius around the tenant's centre point, a fallback that also takes in neighbouring kelurahan.

Pure Python plus shapely: no Django models here (the solver and the tests use it directly).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.utils.translation import gettext_lazy as _

from apps.core.errors import ValidationFailed

EARTH_RADIUS_M = 6_371_008.8
MAX_BOUNDARY_BYTES = 1024 * 1024  # an uploaded GeoJSON file; a kelurahan polygon is a few kB
MAX_BOUNDARY_VERTICES = 50_000


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Great-circle distance in metres between two WGS84 points given in degrees."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi = phi2 - phi1
    dlmb = math.radians(lng2 - lng1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def haversine_matrix_m(rows: Sequence[tuple[float, float]], columns: Sequence[tuple[float, float]]) -> Any:
    """Metres from every (lat, lng) of `rows` to every one of `columns`: a float64 numpy array
    of shape (len(rows), len(columns)), the same formula as `haversine_m`, vectorised."""
    import numpy as np

    a = np.radians(np.asarray(rows, dtype=np.float64).reshape(-1, 2))
    b = np.radians(np.asarray(columns, dtype=np.float64).reshape(-1, 2))
    dphi = b[None, :, 0] - a[:, None, 0]
    dlmb = b[None, :, 1] - a[:, None, 1]
    h = np.sin(dphi / 2) ** 2 + np.cos(a[:, 0])[:, None] * np.cos(b[:, 0])[None, :] * np.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(h)))


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


# --- boundaries ----------------------------------------------------------------------------


class Area(Protocol):
    """What containment needs of a tenant (apps.tenancy.models.Tenant has these)."""

    boundary: dict[str, Any] | None
    lat: Any
    lng: Any


def _invalid(message: Any, code: str) -> ValidationFailed:
    return ValidationFailed(message, code=code, field="boundary")


def _geometry_of(data: Any) -> Mapping[str, Any]:
    """The geometry of a GeoJSON geometry, Feature, or FeatureCollection of exactly one Feature."""
    if not isinstance(data, Mapping):
        raise _invalid(_("Berkas batas wilayah harus berupa objek GeoJSON."), "boundary_not_geojson")
    kind = data.get("type")
    if kind == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list) or len(features) != 1:
            raise _invalid(
                _("FeatureCollection batas wilayah harus berisi tepat satu fitur."), "boundary_feature_count"
            )
        return _geometry_of(features[0])
    if kind == "Feature":
        return _geometry_of(data.get("geometry"))
    return data


def _check_ring(ring: Any) -> int:
    if not isinstance(ring, list) or len(ring) < 4:
        raise _invalid(_("Setiap cincin poligon harus punya paling sedikit 4 titik."), "boundary_ring")
    for position in ring:
        if (
            not isinstance(position, list)
            or len(position) not in (2, 3)
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in position)
        ):
            raise _invalid(_("Koordinat harus berupa pasangan angka [bujur, lintang]."), "boundary_position")
        lng, lat = float(position[0]), float(position[1])
        if not valid_point(lat, lng):
            raise _invalid(
                _("Koordinat di luar jangkauan WGS84 (bujur -180..180, lintang -90..90); gunakan EPSG:4326."),
                "boundary_range",
            )
    if ring[0][:2] != ring[-1][:2]:
        raise _invalid(_("Cincin poligon harus tertutup (titik pertama sama dengan titik terakhir)."), "boundary_ring")
    return len(ring)


def clean_boundary(data: Any) -> dict[str, Any]:
    """A Polygon / MultiPolygon geometry in WGS84 from uploaded GeoJSON (bytes, text or parsed).

    Raises ValidationFailed (422, Indonesian message, field "boundary") for anything else: not
    JSON, too big, another geometry type, coordinates out of range, unclosed or self-crossing rings.
    """
    if isinstance(data, bytes | str):
        if len(data) > MAX_BOUNDARY_BYTES:
            raise _invalid(
                _("Berkas batas wilayah terlalu besar (paling besar %(kb)d kB).") % {"kb": MAX_BOUNDARY_BYTES // 1024},
                "boundary_too_big",
            )
        try:
            data = json.loads(data)
        except (ValueError, RecursionError):
            raise _invalid(_("Berkas batas wilayah bukan JSON yang sah."), "boundary_not_json") from None
    geometry = _geometry_of(data)
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon"):
        raise _invalid(_("Batas wilayah harus berupa Polygon atau MultiPolygon."), "boundary_type")
    polygons = [coordinates] if kind == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise _invalid(_("Poligon batas wilayah kosong."), "boundary_empty")
    vertices = 0
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise _invalid(_("Poligon batas wilayah kosong."), "boundary_empty")
        vertices += sum(_check_ring(ring) for ring in polygon)
        if vertices > MAX_BOUNDARY_VERTICES:
            raise _invalid(
                _("Batas wilayah terlalu rinci (paling banyak %(n)d titik).") % {"n": MAX_BOUNDARY_VERTICES},
                "boundary_too_big",
            )
    cleaned = {"type": kind, "coordinates": coordinates}
    shape = _shape(json.dumps(cleaned, sort_keys=True))
    if not shape.is_valid or shape.is_empty:
        raise _invalid(_("Poligon batas wilayah tidak sah (sisi-sisinya saling berpotongan)."), "boundary_invalid")
    return cleaned


@lru_cache(maxsize=64)
def _shape(geojson: str) -> Any:
    """The shapely geometry (prepared for fast repeated containment tests) of a geometry's JSON."""
    from shapely import prepare
    from shapely.geometry import shape

    geometry = shape(json.loads(geojson))
    prepare(geometry)
    return geometry


def in_boundary(boundary: Mapping[str, Any], lat: float, lng: float) -> bool:
    """Whether (lat, lng) lies inside or on the edge of a cleaned Polygon/MultiPolygon."""
    from shapely.geometry import Point

    return bool(_shape(json.dumps(boundary, sort_keys=True)).covers(Point(lng, lat)))


def inside_tenant(area: Area, lat: float, lng: float, *, radius_m: float | None) -> bool:
    """Whether a point lies in the tenant's area: its boundary polygon when known, else within
    `radius_m` of its centre. With neither (no polygon, no centre or no radius) nothing is refused."""
    boundary = getattr(area, "boundary", None)  # the public schema's tenant stand-in has none
    if boundary:
        return in_boundary(boundary, lat, lng)
    centre_lat, centre_lng = getattr(area, "lat", None), getattr(area, "lng", None)
    if centre_lat is None or centre_lng is None or not radius_m:
        return True
    return haversine_m(float(centre_lat), float(centre_lng), lat, lng) <= radius_m
