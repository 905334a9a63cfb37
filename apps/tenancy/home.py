"""Home page, health check and the boundaries map: the pages of a tenant (or the platform)."""

from functools import cache
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET

from apps.core import phones, profile
from apps.tenancy import services
from apps.tenancy.models import Tenant


def home(request: HttpRequest) -> HttpResponse:
    """The tenant's home page. A kelurahan's is its public profile (like OpenSID's): the services
    it offers, what the apps contribute (laporan resolved, the next public events, the UMKM open
    for business; apps.core.profile, each cached under its app's scope), the kantor's contact
    and a small map. A kota's lists its kelurahan."""
    tenant: Tenant = request.tenant  # type: ignore[attr-defined]
    if tenant.is_public:
        return platform_home(request)
    is_kelurahan = tenant.tenant_type == Tenant.Type.KELURAHAN
    context = {
        "parent": tenant.parent,
        "children": tenant.children.filter(status=Tenant.Status.ACTIVE).order_by("name")
        if tenant.tenant_type == Tenant.Type.KOTA
        else [],
        "is_kelurahan": is_kelurahan,
        "sections": profile.join(profile.render_sections((request.scheme, request.get_host()))) if is_kelurahan else "",
        "may_edit_office": is_kelurahan and services.may_edit_office(request.user),
        "office_phone_e164": phones.to_e164(tenant.office_phone),
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
