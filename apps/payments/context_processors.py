"""Template context of apps.payments: `payments_sandbox` is true on every page of a site whose
payment gateway is the sandbox (play money), so base.html can say so on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from .gateways import sandbox_enabled


def sandbox(request: HttpRequest) -> dict[str, Any]:
    return {"payments_sandbox": sandbox_enabled()}
