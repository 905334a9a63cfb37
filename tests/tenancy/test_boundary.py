"""The tenant's boundary polygon: staff upload it (tenant page, platform admin), bad files get a
clear 4xx, and the reports location check then follows the polygon instead of the circle."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.core import geo
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, client_for
from tests.core.test_geo import C_SHAPE, CENTRE

pytestmark = pytest.mark.django_db


def _file(content: Any, name: str = "batas.geojson") -> SimpleUploadedFile:
    data = content if isinstance(content, bytes) else json.dumps(content).encode()
    return SimpleUploadedFile(name, data, content_type="application/geo+json")


def _staff(tenant: Tenant) -> Client:
    client = client_for(tenant)
    assert client.post("/akun/masuk/", {"username": "admin", "password": PASSWORD}).status_code == 302
    return client


def _stored(tenant: Tenant) -> Any:
    return Tenant.objects.values_list("boundary", flat=True).get(pk=tenant.pk)


def test_staff_upload_and_remove_the_boundary(tenant_a: Tenant) -> None:
    client = _staff(tenant_a)
    page = client.get("/wilayah/batas/")
    assert page.status_code == 200 and "Belum ada batas wilayah" in page.content.decode()
    saved = client.post("/wilayah/batas/", {"boundary": _file(C_SHAPE)})
    assert saved.status_code == 302
    assert _stored(tenant_a) == C_SHAPE
    assert "Polygon dengan 9 titik." in client.get("/wilayah/batas/").content.decode()
    removed = client.post("/wilayah/batas/", {"remove": "on"})
    assert removed.status_code == 302 and _stored(tenant_a) is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"bukan json", "bukan JSON yang sah"),
        ({"type": "Point", "coordinates": [111.5, -7.6]}, "harus berupa Polygon atau MultiPolygon"),
        (
            {
                "type": "Polygon",
                "coordinates": [[[611000, 9155000], [612000, 9155000], [612000, 9156000], [611000, 9155000]]],
            },
            "di luar jangkauan WGS84",
        ),
        (b"x" * (geo.MAX_BOUNDARY_BYTES + 1), "terlalu besar"),
    ],
)
def test_a_bad_file_is_a_422_in_indonesian_and_keeps_the_old_boundary(
    tenant_a: Tenant, content: Any, message: str
) -> None:
    client = _staff(tenant_a)
    response = client.post("/wilayah/batas/", {"boundary": _file(content)})
    assert response.status_code == 422
    assert message in response.content.decode()
    assert _stored(tenant_a) is None


def test_only_staff_reach_the_page(tenant_a: Tenant) -> None:
    anonymous = client_for(tenant_a)
    assert anonymous.get("/wilayah/batas/").status_code == 302
    warga = client_for(tenant_a)
    assert warga.post("/akun/masuk/", {"username": "warga-mojorejo", "password": PASSWORD}).status_code == 302
    assert warga.get("/wilayah/batas/").status_code == 403
    assert warga.post("/wilayah/batas/", {"boundary": _file(C_SHAPE)}).status_code == 403
    assert _stored(tenant_a) is None


def test_platform_admin_uploads_the_boundary(tenant_a: Tenant, operator_client: Client) -> None:
    url = f"/admin/tenancy/tenant/{tenant_a.pk}/change/"
    form = {"name": tenant_a.name, "slug": tenant_a.slug, "plan": tenant_a.plan}
    inline = {
        "domains-TOTAL_FORMS": "0",
        "domains-INITIAL_FORMS": "0",
        "domains-MIN_NUM_FORMS": "0",
        "domains-MAX_NUM_FORMS": "1000",
    }
    bad = operator_client.post(url, {**form, **inline, "boundary_file": _file(b"{")})
    assert bad.status_code == 200 and "bukan JSON yang sah" in bad.content.decode()
    assert _stored(tenant_a) is None
    good = operator_client.post(url, {**form, **inline, "boundary_file": _file(C_SHAPE)})
    assert good.status_code == 302, good.content.decode()[:2000]
    assert _stored(tenant_a) == C_SHAPE


def test_containment_follows_the_stored_polygon() -> None:
    notch = geo.offset(*CENTRE, 0, 100)
    tenant = Tenant(name="Contoh", lat=CENTRE[0], lng=CENTRE[1])  # in memory: the fixtures stay untouched
    assert geo.inside_tenant(tenant, *notch, radius_m=3000)
    tenant.boundary = geo.clean_boundary(C_SHAPE)
    assert not geo.inside_tenant(tenant, *notch, radius_m=3000)


def _c_shape_around(tenant: Tenant) -> dict[str, Any]:
    """C_SHAPE moved onto the tenant's own centre point."""
    lat0, lng0 = float(tenant.lat), float(tenant.lng)
    dlat, dlng = lat0 - CENTRE[0], lng0 - CENTRE[1]
    ring = [[lng + dlng, lat + dlat] for lng, lat in C_SHAPE["coordinates"][0]]
    return geo.clean_boundary({"type": "Polygon", "coordinates": [ring]})


def test_permit_and_report_locations_follow_the_polygon(tenant_a: Tenant) -> None:
    from apps.core.errors import ValidationFailed
    from apps.permits import services as permits
    from apps.reports.services import _common as reports

    assert tenant_a.lat is not None and tenant_a.lng is not None
    notch = geo.offset(float(tenant_a.lat), float(tenant_a.lng), 0, 100)
    arm = geo.offset(float(tenant_a.lat), float(tenant_a.lng), 350, 0)
    with tenant_a:
        # Without a polygon the circle accepts the point in the notch.
        permits.clean_location(f"{notch[0]:.6f}", f"{notch[1]:.6f}")
        tenant_a.boundary = _c_shape_around(tenant_a)
        try:
            with pytest.raises(ValidationFailed) as permit_error:
                permits.clean_location(f"{notch[0]:.6f}", f"{notch[1]:.6f}")
            assert "di luar wilayah" in str(permit_error.value.message)
            with pytest.raises(ValidationFailed) as report_error:
                reports._check_in_area(*(geo_decimal(v) for v in notch))
            assert report_error.value.code == "location_outside"
            permits.clean_location(f"{arm[0]:.6f}", f"{arm[1]:.6f}")
            reports._check_in_area(*(geo_decimal(v) for v in arm))
        finally:
            tenant_a.boundary = None


def geo_decimal(value: float) -> Any:
    from decimal import Decimal

    return Decimal(f"{value:.6f}")
