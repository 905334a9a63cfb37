"""A database or Redis outage answers 503 with Retry-After, never Django's HTML 500 page.

Django turns an exception raised anywhere under a middleware into a 500 response before an
outer middleware sees it (and django-tenants' TenantMainMiddleware queries the database before
any view runs). So the exception is recognised where Django reports it, on the
`got_request_exception` signal, and marked on the request; `ServiceUnavailableMiddleware`, first
in MIDDLEWARE, swaps that request's 500 for a 503:
- `/api/` and Open311: the API's JSON error body (`apps/core/api/errors.py`), code
  `service_unavailable`;
- elsewhere: a self-contained Bahasa Indonesia page (no database, no session, no base.html).

"Unavailable" means a dependency failed, not our code: django.db OperationalError and
InterfaceError (connection refused or terminated, server shutting down, statement timeout,
deadlock: all worth retrying), and Redis/broker connection errors (the Data-as-a-Service quota
refuses rather than fails open when Redis is down). The connection is discarded by Django at the
end of the request (`close_if_unusable_or_obsolete`), so the next request reconnects by itself.

One warning line per such request (`dependency unavailable, answering 503 …`, with its request
id), nothing at error level: Django's "Internal Server Error" line and django-structlog's
`request_failed` for the same exception are dropped by `apps.observability.logsetup.
DropSwappedErrors`. Sentry (`apps.observability.sentry.outage_policy`) gets no event for an
outage — the server gone, refused or going down (`is_outage`) — since every request during a
restart would send the same event; /readyz and the 5xx-rate alert report it. Other dependency
errors answered with 503 (a deadlock, a statement timeout) reach Sentry at warning level: the
user was told to retry, but a query may need fixing.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from apps.core.api.errors import error_body

logger = logging.getLogger(__name__)

UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    KombuOperationalError,
)
JSON_PREFIXES = ("/api/", "/open311/")
_MARK = "_kotakita_unavailable"


def unavailable_cause(exc: BaseException | None) -> BaseException | None:
    """The dependency failure behind `exc` (itself or a cause/context of it), if any."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, UNAVAILABLE_ERRORS):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


# SQLSTATEs of a server that is going away: admin shutdown, crash shutdown, cannot connect now
# (a starting or stopping server). Class 08 (connection exception) is matched by its prefix.
_OUTAGE_SQLSTATES = frozenset({"57P01", "57P02", "57P03"})


def is_outage(exc: BaseException | None) -> bool:
    """The dependency itself is unreachable or going down (not one failed query on a working
    server): a closed connection, a refused or lost one, a server shutting down, Redis/broker
    connection errors."""
    cause = unavailable_cause(exc)
    if cause is None:
        return False
    if not isinstance(cause, OperationalError):
        return True  # InterfaceError (connection already closed), Redis and broker errors
    driver = cause.__cause__
    state = getattr(driver, "sqlstate", None) or getattr(driver, "pgcode", None)
    # No SQLSTATE: libpq failed before the server answered (refused, reset, timed out).
    return state is None or str(state).startswith("08") or state in _OUTAGE_SQLSTATES


def remember_unavailable(sender: Any, request: HttpRequest | None = None, **kwargs: Any) -> None:
    """`got_request_exception` receiver: runs inside Django's `except` block, so the exception
    being handled is `sys.exc_info()`."""
    cause = unavailable_cause(sys.exc_info()[1])
    if request is not None and cause is not None:
        setattr(request, _MARK, cause)


def retry_after_seconds() -> int:
    return int(getattr(settings, "SERVICE_UNAVAILABLE_RETRY_AFTER", 30))


def unavailable_response(request: HttpRequest) -> HttpResponse:
    retry_after = retry_after_seconds()
    response: HttpResponse
    if request.path.startswith(JSON_PREFIXES):
        message = _("Layanan sedang tidak tersedia sementara. Coba lagi sebentar lagi.")
        response = JsonResponse(error_body("service_unavailable", message), status=503)
    else:
        html = render_to_string("core/unavailable.html", {"retry_after": retry_after})
        response = HttpResponse(html, status=503, content_type="text/html; charset=utf-8")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    # Logged once by the middleware (a warning): not again by Django's handler as an error.
    response._has_been_logged = True  # type: ignore[attr-defined]
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except UNAVAILABLE_ERRORS as exc:  # raised past Django's conversion (e.g. by the 500 handler)
            return self._unavailable(request, exc)
        cause = getattr(request, _MARK, None)
        if cause is not None and response.status_code == 500:
            return self._unavailable(request, cause)
        return response

    def _unavailable(self, request: HttpRequest, cause: BaseException) -> HttpResponse:
        # The request id explicitly: an outage met by django-tenants' middleware comes before
        # django-structlog's, which binds it to the log context.
        logger.warning(
            "dependency unavailable, answering 503 to %s %s: %s: %s",
            request.method,
            request.path,
            cause.__class__.__name__,
            str(cause).strip(),
            # A failed query on a working server keeps its traceback; an outage needs none.
            exc_info=None if is_outage(cause) else cause,
            extra={"request_id": getattr(request, "request_id", None), "outage": is_outage(cause)},
        )
        return unavailable_response(request)
