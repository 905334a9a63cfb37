"""A suspended tenant's pages say so and its API answers 403; nothing else is served."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from apps.core.api.errors import error_body


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
        return self.get_response(request)
