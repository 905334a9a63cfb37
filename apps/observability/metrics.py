"""Prometheus metric objects shared by the middleware and the Celery signal handlers.

With PROMETHEUS_MULTIPROC_DIR set (gunicorn workers and Celery workers of one host share the
directory), prometheus_client writes each process's values to files there and `/metrics`
adds them up (apps.observability.views); without it, each process has its own registry.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "kotakita_http_requests",
    "HTTP requests by tenant type, view and status code.",
    ["tenant_type", "view", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "kotakita_http_request_duration_seconds",
    "Time from the first middleware to the response, by tenant type and view.",
    ["tenant_type", "view"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
DB_QUERIES = Histogram(
    "kotakita_http_db_queries",
    "Database queries run by one request (counted by a connection.execute_wrapper).",
    ["tenant_type", "view"],
    buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200, 500),
)
TASKS = Counter(
    "kotakita_celery_tasks",
    "Celery tasks finished, by task, queue and state (success, failure, retry).",
    ["task", "queue", "state"],
)
TASK_LATENCY = Histogram(
    "kotakita_celery_task_duration_seconds",
    "Run time of Celery tasks, by task and queue.",
    ["task", "queue"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 900, 1800),
)
