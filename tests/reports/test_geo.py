"""The pure engines: distances, bounding boxes, photo sniffing, Open311 wire formats."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest
from geopy.distance import geodesic

from apps.core import geo, uploads
from apps.reports import open311_format as wire

MOJOREJO = (-7.637458, 111.534707)


@pytest.mark.parametrize(("north", "east"), [(240, 0), (0, 260), (-170, 170), (1000, -1000), (3, 4)])
def test_haversine_matches_the_ellipsoid_at_kelurahan_scale(north: float, east: float) -> None:
    lat, lng = geo.offset(*MOJOREJO, north, east)
    ours = geo.haversine_m(*MOJOREJO, lat, lng)
    assert ours == pytest.approx((north**2 + east**2) ** 0.5, rel=2e-3)
    assert ours == pytest.approx(geodesic(MOJOREJO, (lat, lng)).meters, rel=6e-3)  # sphere vs WGS84


def test_bounding_box_holds_the_whole_circle_and_little_more() -> None:
    box = geo.bounding_box(*MOJOREJO, 250)
    for bearing in range(0, 360, 15):
        north, east = 250 * math.cos(math.radians(bearing)), 250 * math.sin(math.radians(bearing))
        assert box.contains(*geo.offset(*MOJOREJO, north, east))
    assert not box.contains(*geo.offset(*MOJOREJO, 260, 0))
    assert not box.contains(*geo.offset(*MOJOREJO, 0, -260))


def test_valid_point() -> None:
    assert geo.valid_point(-7.6, 111.5)
    assert not geo.valid_point(91, 0) and not geo.valid_point(0, 181) and not geo.valid_point(float("nan"), 0)


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", uploads.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00", uploads.PNG),
        (b"GIF89a\x00\x00", None),
        (b"%PDF-1.7", None),
        (b"<svg xml", None),
        (b"", None),
    ],
)
def test_sniff_image(head: bytes, expected: uploads.FileKind | None) -> None:
    assert uploads.sniff(head, (uploads.JPEG, uploads.PNG)) == expected


def test_iso_dates_carry_a_zone_and_zone_less_input_is_refused() -> None:
    wib = timezone(timedelta(hours=7))
    assert wire.iso(datetime(2026, 1, 5, 10, 0, tzinfo=wib)) == "2026-01-05T10:00:00+07:00"
    assert wire.parse_iso("2026-01-05T03:00:00Z") == datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert wire.parse_iso("2026-01-05T10:00:00+07:00") == datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    assert wire.parse_iso("2026-01-05T10:00:00") is None
    assert wire.parse_iso("besok") is None


def test_xml_lists_use_the_spec_element_names() -> None:
    body = wire.to_xml("services", [{"service_code": "a", "metadata": False, "description": None}]).decode()
    assert body.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert "<services><service><service_code>a</service_code><metadata>false</metadata><description />" in body
    definition = wire.to_xml(
        "service_definition", {"service_code": "a", "attributes": [{"code": "x", "values": [{"key": "1"}]}]}
    ).decode()
    assert "<attributes><attribute><code>x</code><values><value><key>1</key></value></values>" in definition
    errors = wire.to_xml("errors", wire.errors((400, "salah & <aneh>"))).decode()
    assert (
        "<errors><error><code>400</code><description>salah &amp; &lt;aneh&gt;</description></error></errors>" in errors
    )
