"""Celery: the queuing request's id travels with the task; every task logs its start, end,
duration and state, and is counted in Prometheus.

`before_task_publish` copies the current log context (request id, tenant, user) into a
message header; `task_prerun` binds it in the worker, plus the task id and name. A task run
eagerly (tests, or no broker configured) runs inside the caller's context already: it keeps
it, and the caller's context is restored after the task.
"""

from __future__ import annotations

import time
from typing import Any

import structlog
from celery.signals import before_task_publish, task_postrun, task_prerun
from django.conf import settings

from . import context, metrics

HEADER = "kotakita_log"
_PROPAGATED = ("request_id", "tenant_schema", "tenant_type", "user_id")
logger = structlog.get_logger("kotakita.tasks")


def _queue(task: Any) -> str:
    delivery = getattr(task.request, "delivery_info", None) or {}
    queue = delivery.get("routing_key")
    if not queue:
        route = settings.CELERY_TASK_ROUTES.get(task.name, {})
        queue = route.get("queue", settings.CELERY_TASK_DEFAULT_QUEUE)
    return str(queue)


def on_publish(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    if headers is None:
        return
    bound = context.current()
    headers[HEADER] = {key: bound[key] for key in _PROPAGATED if bound.get(key) is not None}


def on_prerun(task_id: str = "", task: Any = None, **kwargs: Any) -> None:
    if task is None:
        return
    request = task.request
    request._kk_prior = context.current()
    if not request.is_eager:
        structlog.contextvars.clear_contextvars()
        context.bind(**(getattr(request, HEADER, None) or {}))
    context.bind(task_id=task_id, task=task.name)
    request._kk_started = time.perf_counter()
    logger.info("task_started", queue=_queue(task))


def on_postrun(task_id: str = "", task: Any = None, state: str | None = None, **kwargs: Any) -> None:
    if task is None:
        return
    request = task.request
    started = getattr(request, "_kk_started", None)
    duration = time.perf_counter() - started if started is not None else 0.0
    queue, outcome = _queue(task), (state or "unknown").lower()
    metrics.TASKS.labels(task.name, queue, outcome).inc()
    metrics.TASK_LATENCY.labels(task.name, queue).observe(duration)
    log = logger.error if outcome == "failure" else logger.info
    log("task_finished", state=outcome, queue=queue, duration_ms=round(duration * 1000, 1))
    structlog.contextvars.clear_contextvars()
    if request.is_eager:
        structlog.contextvars.bind_contextvars(**(getattr(request, "_kk_prior", None) or {}))


def connect() -> None:
    before_task_publish.connect(on_publish, dispatch_uid="kotakita-log-publish", weak=False)
    task_prerun.connect(on_prerun, dispatch_uid="kotakita-log-prerun", weak=False)
    task_postrun.connect(on_postrun, dispatch_uid="kotakita-log-postrun", weak=False)
