"""Gunicorn settings for the KotaKita web process (deploy/systemd/kotakita-web.service, Procfile).

Every value can be set from the environment (the env file, /etc/kotakita/kotakita.env). The
timeout suits pages: nothing slow runs in a request (route solving, scoring, roll-ups, exports
of any size go to Celery), so a request still running after GUNICORN_TIMEOUT is stuck and its
worker is replaced.
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Threads share a process' memory; a few processes keep one slow request from holding the rest.
worker_class = "gthread"
workers = _int("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1)
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # a restart lets running requests finish
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycle workers now and then so a slow leak never becomes an outage; jitter avoids all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 2000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 200)
# Only the reverse proxy in front of us may set X-Forwarded-Proto (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
wsgi_app = "config.wsgi:application"


# --- Observability: Prometheus multiprocess mode (docs/operations.md "Metrics") -------------
def child_exit(server: object, worker: object) -> None:
    """A replaced worker's live gauges are dropped; its counters keep counting in the total."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)  # type: ignore[attr-defined,no-untyped-call]
