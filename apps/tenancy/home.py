"""Home page, health check and the boundaries map: the pages of a tenant (or the platform)."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from apps.tenancy.models import Tenant


def home(request: HttpRequest) -> HttpResponse:
    """The tenant's home page: name, region and a map of its centre."""
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    if tenant.is_public:
        return platform_home(request)
    context = {
        "parent": tenant.parent,
        "children": tenant.children.filter(status=Tenant.Status.ACTIVE).order_by("name")
        if tenant.tenant_type == Tenant.Type.KOTA
        else [],
    }
    return render(request, "core/home.html", context)


def platform_home(request: HttpRequest) -> HttpResponse:
    tenants = Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).filter(status=Tenant.Status.ACTIVE)
    context = {
        "kota_count": tenants.filter(tenant_type=Tenant.Type.KOTA).count(),
        "kelurahan_count": tenants.filter(tenant_type=Tenant.Type.KELURAHAN).count(),
        "recent": tenants.order_by("-created_at")[:12],
    }
    return render(request, "core/platform_home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness, without dependencies. Normally answered earlier, on any host, by
    apps.observability.endpoints.OpsEndpointsMiddleware; kept for the URL name."""
    return JsonResponse({"status": "ok"})


# The Kota Madiun kelurahan polygons (BPS/Kemendagri, see apps/tenancy/data/README.md): also the
# base layer every map falls back to when its tiles cannot load (static/js/basemap.js).
BOUNDARIES = Path(settings.BASE_DIR) / "apps" / "tenancy" / "data" / "kota-madiun-kelurahan.geojson"


@cache
def _boundaries() -> bytes:
    return BOUNDARIES.read_bytes()


@require_GET
@cache_control(public=True, max_age=24 * 3600)
def map_boundaries(request: HttpRequest) -> HttpResponse:
    """Kelurahan boundaries as GeoJSON (properties: kode, nama, lat, lng); public data."""
    return HttpResponse(_boundaries(), content_type="application/geo+json")
