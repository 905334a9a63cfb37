"""apps.core.geo: containment on the real boundary polygon, the radius fallback, boundary checks."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest

from apps.core import geo
from apps.core.errors import ValidationFailed

CENTRE = (-7.637458, 111.534707)  # Mojorejo, Kota Madiun


def _ring(points_m: list[tuple[float, float]]) -> list[list[float]]:
    """A closed GeoJSON ring from (north, east) offsets in metres around CENTRE."""
    ring = []
    for north, east in points_m:
        lat, lng = geo.offset(*CENTRE, north, east)
        ring.append([lng, lat])
    return [*ring, ring[0]]


# A "C" opening to the east, 1 km across: its centre lies in the notch, i.e. outside the polygon,
# although every radius circle around the centre calls it inside.
C_SHAPE = {
    "type": "Polygon",
    "coordinates": [
        _ring([(500, -500), (500, 500), (200, 500), (200, -200), (-200, -200), (-200, 500), (-500, 500), (-500, -500)])
    ],
}


@dataclass
class Area:
    boundary: dict[str, Any] | None
    lat: Any = CENTRE[0]
    lng: Any = CENTRE[1]


def test_concave_boundary_beats_the_circle() -> None:
    boundary = geo.clean_boundary(json.dumps(C_SHAPE).encode())
    notch = geo.offset(*CENTRE, 0, 100)  # 100 m east of the centre, in the open mouth of the C
    arm = geo.offset(*CENTRE, 350, 0)  # in the upper arm
    far = geo.offset(*CENTRE, 2000, 0)
    assert geo.haversine_m(*CENTRE, *notch) < 1000  # the circle would accept it
    assert geo.inside_tenant(Area(None), *CENTRE, radius_m=1000)
    assert geo.inside_tenant(Area(None), *notch, radius_m=1000)
    assert not geo.inside_tenant(Area(boundary), *notch, radius_m=1000)
    assert not geo.inside_tenant(Area(boundary), *CENTRE, radius_m=1000)
    assert geo.inside_tenant(Area(boundary), *arm, radius_m=1000)
    assert not geo.inside_tenant(Area(boundary), *far, radius_m=None)


def test_without_a_polygon_the_radius_decides() -> None:
    near, far = geo.offset(*CENTRE, 900, 0), geo.offset(*CENTRE, 1100, 0)
    assert geo.inside_tenant(Area(None), *near, radius_m=1000)
    assert not geo.inside_tenant(Area(None), *far, radius_m=1000)
    # No radius or no centre: nothing to check against, nothing refused.
    assert geo.inside_tenant(Area(None), *far, radius_m=None)
    assert geo.inside_tenant(Area(None, lat=None, lng=None), *far, radius_m=1000)


def test_multipolygon_and_feature_collection_are_accepted() -> None:
    west = _ring([(100, -1000), (100, -800), (-100, -800), (-100, -1000)])
    east = _ring([(100, 800), (100, 1000), (-100, 1000), (-100, 800)])
    multi = {"type": "MultiPolygon", "coordinates": [[west], [east]]}
    wrapped = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": multi}]}
    boundary = geo.clean_boundary(wrapped)
    assert boundary == multi
    assert geo.in_boundary(boundary, *geo.offset(*CENTRE, 0, 900))
    assert not geo.in_boundary(boundary, *CENTRE)


def test_the_bundled_kelurahan_polygons_are_valid_boundaries() -> None:
    from django.conf import settings

    path = settings.BASE_DIR / "apps" / "tenancy" / "data" / "kota-madiun-kelurahan.geojson"
    collection = json.loads(path.read_text())
    feature = collection["features"][0]
    boundary = geo.clean_boundary(feature)
    assert geo.in_boundary(boundary, feature["properties"]["lat"], feature["properties"]["lng"])


def _square(size: float = 100) -> list[list[float]]:
    return _ring([(size, -size), (size, size), (-size, size), (-size, -size)])


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"{not json", "boundary_not_json"),
        (b"[1, 2]", "boundary_not_geojson"),
        ({"type": "Point", "coordinates": [111.5, -7.6]}, "boundary_type"),
        ({"type": "LineString", "coordinates": [[111.5, -7.6], [111.6, -7.7]]}, "boundary_type"),
        ({"type": "FeatureCollection", "features": []}, "boundary_feature_count"),
        ({"type": "Polygon", "coordinates": []}, "boundary_empty"),
        ({"type": "Polygon", "coordinates": [[[111.5, -7.6], [111.6, -7.6], [111.5, -7.6]]]}, "boundary_ring"),
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}, "boundary_ring"),  # not closed
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, "a"], [0, 0]]]}, "boundary_position"),
        # Projected metres (UTM) instead of degrees: out of the WGS84 range.
        (
            {
                "type": "Polygon",
                "coordinates": [[[611000, 9155000], [612000, 9155000], [612000, 9156000], [611000, 9155000]]],
            },
            "boundary_range",
        ),
        # A bow tie: the ring crosses itself.
        ({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}, "boundary_invalid"),
        (b" " * (geo.MAX_BOUNDARY_BYTES + 1), "boundary_too_big"),
    ],
)
def test_bad_boundaries_are_refused_in_indonesian(data: Any, code: str) -> None:
    with pytest.raises(ValidationFailed) as error:
        geo.clean_boundary(data)
    assert error.value.code == code
    assert error.value.status_code == 422
    assert str(error.value.message)


def test_haversine_matrix_matches_the_scalar_formula() -> None:
    points = [CENTRE, geo.offset(*CENTRE, 300, 400), geo.offset(*CENTRE, -1000, 50)]
    matrix = geo.haversine_matrix_m(points, points[:2])
    assert matrix.shape == (3, 2)
    for i, a in enumerate(points):
        for j, b in enumerate(points[:2]):
            assert matrix[i, j] == pytest.approx(geo.haversine_m(*a, *b), abs=1e-6)
    assert geo.haversine_m(*points[0], *points[1]) == pytest.approx(500, rel=2e-3)
