"""Which tenant a request is for, and what a suspended or archiving tenant may serve.

`TenantLookupMiddleware` is django-tenants' `TenantMainMiddleware` without its switch to the
public schema before the host lookup: the lookup names the public tables explicitly, so it is
right whatever schema the connection is in, and a request costs one `SET search_path` (none
when the connection already serves that tenant) instead of two.

A suspended tenant's pages say so and its API answers 403; nothing else is served.
A tenant being archived for removal serves reads, and answers every write 423."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import DisallowedHost
from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseNotFound, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django_tenants.middleware.main import TenantMainMiddleware
from django_tenants.utils import get_public_schema_name

from apps.core.api.errors import error_body
from apps.core.db import connection

from .models import Domain, Tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


def tenant_for_host(hostname: str) -> Tenant | None:
    """The tenant serving `hostname`, read from the public tables by their qualified names."""
    public = get_public_schema_name()
    tenants, domains = Tenant._meta.db_table, Domain._meta.db_table
    found = Tenant.objects.raw(
        f'SELECT t.* FROM "{public}"."{tenants}" t JOIN "{public}"."{domains}" d ON d.tenant_id = t.id '
        "WHERE d.domain = %s",
        [hostname],
    )
    return next(iter(found), None)


class TenantLookupMiddleware(TenantMainMiddleware):
    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        try:
            hostname = self.hostname_from_request(request)
        except DisallowedHost:
            return HttpResponseNotFound()
        tenant = tenant_for_host(hostname)
        if tenant is None:  # the 404 is rendered in public, never in the previous request's tenant
            connection.set_schema_to_public()
            response: HttpResponse | None = self.no_tenant_found(request, hostname)
            return response
        tenant.domain_url = hostname
        request.tenant = tenant  # type: ignore[attr-defined]
        connection.set_tenant(tenant)
        self.setup_url_routing(request)
        return None


def _archiving_response(request: HttpRequest, name: str) -> HttpResponse:
    message = _("%(name)s sedang diarsipkan: data tidak bisa diubah saat ini.") % {"name": name}
    if request.path.startswith(("/api/", "/open311/")):
        return JsonResponse(error_body("tenant_archiving", message), status=423)
    return render(request, "tenancy/archiving.html", {"message": message}, status=423)


class TenantStatusMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        if tenant is not None and getattr(tenant, "is_suspended", False) and not request.path.startswith("/static/"):
            message = _("Layanan KotaKita untuk %(name)s sedang ditangguhkan.") % {"name": tenant.name}
            if request.path.startswith("/api/"):
                return JsonResponse(error_body("tenant_suspended", message), status=403)
            return render(request, "tenancy/suspended.html", {"message": message}, status=403)
        if tenant is not None and getattr(tenant, "is_archiving", False) and request.method not in SAFE_METHODS:
            return _archiving_response(request, tenant.name)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        """A write that passed the check just before removal began waits on removal's lock and
        then fails on a dropped table: it was never acknowledged, so it gets the same 423."""
        tenant = getattr(request, "tenant", None)
        if tenant is None or getattr(tenant, "is_public", True) or not isinstance(exception, DatabaseError):
            return None
        connection.set_schema_to_public()
        try:
            current = Tenant.objects.filter(pk=tenant.pk).values_list("status", flat=True).first()
        except DatabaseError:
            return None
        if current is None or current == Tenant.Status.ARCHIVING:
            return _archiving_response(request, tenant.name)
        return None
