"""`/healthz`, `/readyz` and `/metrics`, answered before django-tenants looks the host up.

Load balancers and Prometheus usually reach a backend by its address, not by a tenant's host
name, and liveness must not depend on the database (the tenant lookup queries it). So these
three paths are served on every host — the platform's, any tenant's, or a bare address — by
`OpsEndpointsMiddleware`, placed right after `RequestIdMiddleware`.

`/metrics` answers only with `Authorization: Bearer <METRICS_TOKEN>` or to a peer address in
METRICS_ALLOWED_IPS (REMOTE_ADDR, i.e. the direct peer: scrape from inside the network, not
through the proxy). With neither configured it does not exist (404); otherwise an
unauthorised scrape gets 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
from collections.abc import Callable

import structlog
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from .collector import PlatformCollector

logger = structlog.get_logger("kotakita.metrics")


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. No database, cache or broker involved."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    from .readiness import run_checks

    ready, checks = run_checks()
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503)


def _allowed_peer(address: str) -> bool:
    try:
        peer = ipaddress.ip_address(address)
    except ValueError:
        return False
    for entry in settings.METRICS_ALLOWED_IPS:
        try:
            if peer in ipaddress.ip_network(entry, strict=False):
                return True
        except ValueError:
            continue
    return False


def metrics_access(request: HttpRequest) -> int:
    """200 when allowed, 404 when /metrics is not configured at all, 403 otherwise."""
    token = settings.METRICS_TOKEN
    if not token and not settings.METRICS_ALLOWED_IPS:
        return 404
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer ") and hmac.compare_digest(header[7:].strip().encode(), token.encode()):
        return 200
    if _allowed_peer(request.META.get("REMOTE_ADDR", "")):
        return 200
    return 403


def metrics(request: HttpRequest) -> HttpResponse:
    status = metrics_access(request)
    if status != 200:
        return JsonResponse({"error": {"code": "not_found" if status == 404 else "forbidden"}}, status=status)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        body = generate_latest(registry)
    else:
        body = generate_latest(REGISTRY)
    up = GaugeMetricFamily("kotakita_platform_gauges_up", "1 when the scrape-time gauges could be computed.")
    try:
        body += generate_latest(PlatformCollector())
        up.add_metric([], 1)
    except Exception:
        logger.exception("platform gauges failed")
        up.add_metric([], 0)
    extra = CollectorRegistry()
    extra.register(_Static([up]))
    body += generate_latest(extra)
    return HttpResponse(body, content_type=CONTENT_TYPE_LATEST)


class _Static:
    def __init__(self, families: list[GaugeMetricFamily]) -> None:
        self.families = families

    def collect(self) -> list[GaugeMetricFamily]:
        return self.families


ENDPOINTS: dict[str, tuple[str, Callable[[HttpRequest], HttpResponse]]] = {
    "/healthz": ("ops:healthz", healthz),
    "/readyz": ("ops:readyz", readyz),
    "/metrics": ("ops:metrics", metrics),
}


class OpsEndpointsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        endpoint = ENDPOINTS.get(request.path_info.rstrip("/") or "/")
        if endpoint is None or request.method not in {"GET", "HEAD"}:
            return self.get_response(request)
        request._kk_view = endpoint[0]  # type: ignore[attr-defined]
        return endpoint[1](request)
