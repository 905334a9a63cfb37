"""Request rate limits for the API and for plain Django views (login form, Open311 POST).

- Counters live in the default cache, whose KEY_FUNCTION (django_tenants.cache.make_key)
  prefixes every key with the current schema: each tenant counts on its own.
- A view's `throttle_scope` (optionally limited to `throttle_scope_methods`) *replaces* the
  general anon/user rate for the requests it covers, so a tight scope (token creation) is
  not diluted and a busy machine client (payment gateway notifications) is not cut off by
  the anonymous rate.
- Rates are read from the live settings on every request (DRF binds them at import), so
  `override_settings(REST_FRAMEWORK=...)` works in tests.
- The client address is DRF's `get_ident`: REMOTE_ADDR, or the X-Forwarded-For entry chosen
  by REST_FRAMEWORK["NUM_PROXIES"] (THROTTLE_NUM_PROXIES) when behind that many proxies.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from rest_framework.settings import api_settings
from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle


def scope_of(request: Any, view: Any) -> str | None:
    """The throttle scope that covers this request on `view`, if any."""
    scope = getattr(view, "throttle_scope", None)
    methods = getattr(view, "throttle_scope_methods", None)
    if scope and (methods is None or request.method in methods):
        return str(scope)
    return None


class _LiveRates:
    scope: str | None

    def get_rate(self) -> str | None:
        from django.core.exceptions import ImproperlyConfigured

        rates = api_settings.DEFAULT_THROTTLE_RATES or {}
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate set for the '{self.scope}' scope")
        value = rates[self.scope]
        return str(value) if value is not None else None


class AnonThrottle(_LiveRates, AnonRateThrottle):
    """Anonymous requests per client address, except where a view's scope applies."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if scope_of(request, view):
            return True
        return super().allow_request(request, view)


class UserThrottle(_LiveRates, UserRateThrottle):
    """Signed-in requests per user (anonymous ones per address), except where a scope applies."""

    def allow_request(self, request: Any, view: Any) -> bool:
        if scope_of(request, view):
            return True
        return super().allow_request(request, view)


class ScopeThrottle(_LiveRates, SimpleRateThrottle):
    """The rate of the view's `throttle_scope`, per user when signed in, else per address."""

    def __init__(self, scope: str | None = None, ident: str | None = None) -> None:
        # The scope is known per request (from the view), not when DRF builds the throttle.
        self.scope = scope
        self.ident = ident
        if scope is not None:
            super().__init__()

    def allow_request(self, request: Any, view: Any) -> bool:
        scope = self.scope or scope_of(request, view)
        if not scope:
            return True
        self.scope = scope
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Any, view: Any) -> str:
        if getattr(self, "ident", None):
            return self.cache_format % {"scope": self.scope, "ident": f"id-{self.ident}"}
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


def hit(request: HttpRequest, scope: str, *, ident: str | None = None) -> float | None:
    """Count one request of a plain Django view against `scope`.

    `ident` counts against another client identity than the user or address (e.g. a device
    cookie), so one view can be limited per address and per device with two calls.
    Returns None when allowed, else the seconds to wait (for Retry-After).
    """
    throttle = ScopeThrottle(scope, ident=ident)
    if throttle.allow_request(request, None):
        return None
    wait = throttle.wait()
    return max(1.0, wait if wait is not None else float(throttle.duration or 1))


def retry_after(wait: float) -> str:
    return str(max(1, int(wait + 0.999)))
