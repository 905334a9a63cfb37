"""The gate of the franchise operator's HTML pages (on the public site only)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from .api.permissions import is_franchise_operator

View = Callable[..., HttpResponse]


def operator_page(*, staff_too: bool = False) -> Callable[[View], View]:
    """A page of the public site for franchise operators (and, with `staff_too`, platform staff):
    404 on a tenant host, the login page for anonymous visitors, 403 for anyone else."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            tenant = getattr(request, "tenant", None)
            if tenant is None or tenant.schema_name != "public":
                raise Http404
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not (user.is_active and ((staff_too and user.is_staff) or is_franchise_operator(user))):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
