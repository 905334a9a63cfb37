"""Request id, log context and request metrics.

Order in MIDDLEWARE (config/settings/base.py, "observability" block):
- `RequestIdMiddleware` first of all: every response, a 503 from the outage middleware
  included, carries `X-Request-ID` and is counted.
- django-structlog's `RequestMiddleware` after django-tenants' middleware: it binds the request
  id (the sanitised one from here: DJANGO_STRUCTLOG_TRUST_UPSTREAM_REQUEST_ID) and logs
  request_started / request_finished; the receivers below add the tenant and the duration.
- `UserContextMiddleware` after authentication: user id on log lines and Sentry events written
  during the view.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django_structlog import signals as structlog_signals

from . import context, metrics


def _tenant_type(request: HttpRequest) -> str:
    tenant = getattr(request, "tenant", None)
    return str(getattr(tenant, "tenant_type", "") or "none")


def _view_name(request: HttpRequest) -> str:
    ops = getattr(request, "_kk_view", None)
    if ops:
        return str(ops)
    match = getattr(request, "resolver_match", None)
    # Route names only (bounded label values); unresolved paths share one label.
    return str(match.view_name) if match is not None and match.view_name else "<unresolved>"


class RequestIdMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.sane_request_id(request.headers.get(context.REQUEST_ID_HEADER))
        # django-structlog reads the id from here, so a bad incoming value is never logged.
        request.META["HTTP_X_REQUEST_ID"] = request_id
        request.request_id = request_id  # type: ignore[attr-defined]
        started = time.perf_counter()
        request._kk_started = started  # type: ignore[attr-defined]
        queries = [0]

        def count(execute: Any, sql: Any, params: Any, many: Any, ctx: Any) -> Any:
            queries[0] += 1
            return execute(sql, params, many, ctx)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response[context.REQUEST_ID_HEADER] = request_id
        tenant_type, view = _tenant_type(request), _view_name(request)
        metrics.HTTP_REQUESTS.labels(tenant_type, view, request.method or "", str(response.status_code)).inc()
        metrics.HTTP_LATENCY.labels(tenant_type, view).observe(time.perf_counter() - started)
        metrics.DB_QUERIES.labels(tenant_type, view).observe(queries[0])
        return response


class UserContextMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            context.bind(user_id=user.pk)
        return self.get_response(request)


@receiver(structlog_signals.bind_extra_request_metadata, dispatch_uid="kotakita-log-tenant")
def bind_tenant(request: HttpRequest, **kwargs: Any) -> None:
    tenant = getattr(request, "tenant", None)
    context.bind(
        request_id=getattr(request, "request_id", None),
        tenant_schema=getattr(tenant, "schema_name", None),
        tenant_type=getattr(tenant, "tenant_type", None),
    )


@receiver(structlog_signals.bind_extra_request_finished_metadata, dispatch_uid="kotakita-log-duration")
def add_duration(request: HttpRequest, log_kwargs: dict[str, Any], **kwargs: Any) -> None:
    started = getattr(request, "_kk_started", None)
    if started is not None:
        log_kwargs["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
