"""A suspended tenant's pages say so and its API answers 403; nothing else is served.
A tenant being archived for removal serves reads, and answers every write 423."""

from __future__ import annotations

from collections.abc import Callable

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.api.errors import error_body

from .models import Tenant

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})


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
        from apps.core.db import connection

        connection.set_schema_to_public()
        try:
            current = Tenant.objects.filter(pk=tenant.pk).values_list("status", flat=True).first()
        except DatabaseError:
            return None
        if current is None or current == Tenant.Status.ARCHIVING:
            return _archiving_response(request, tenant.name)
        return None
