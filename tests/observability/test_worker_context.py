"""On a real Celery worker (Redis), a task's log lines carry the request id that queued it."""

from __future__ import annotations

import logging
import time
from typing import Any

import pytest
import structlog

from apps.accounts.models import User
from apps.accounts.tasks import send_set_password_email
from tests.conftest import TenantSet
from tests.test_celery_worker import worker  # noqa: F401 - the real-worker fixture

pytestmark = pytest.mark.worker


def test_worker_task_logs_carry_the_queuing_request_id(
    tenants: TenantSet,
    worker: None,  # noqa: F811
    json_logs: list[dict[str, Any]],
) -> None:
    # A test worker may set the root logger to ERROR (celery.contrib.testing): keep ours at INFO.
    tasks_logger = logging.getLogger("kotakita.tasks")
    saved_level = tasks_logger.level
    tasks_logger.setLevel(logging.INFO)
    try:
        run_and_check(tenants, json_logs)
    finally:
        tasks_logger.setLevel(saved_level)


def run_and_check(tenants: TenantSet, json_logs: list[dict[str, Any]]) -> None:
    with tenants.a:
        admin = User.objects.get(username="admin")
        structlog.contextvars.bind_contextvars(request_id="req-worker-0001", tenant_schema=tenants.a.schema_name)
        result = send_set_password_email.delay(admin.pk)
        structlog.contextvars.clear_contextvars()
    assert result.get(timeout=30) == "admin@mojorejo.id"
    # The result is stored before the worker's postrun signal writes task_finished.
    deadline = time.monotonic() + 10
    while True:
        finished = [x for x in json_logs if x.get("task_id") == result.id and x.get("event") == "task_finished"]
        if finished or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert finished, "no task_finished line from the worker"
    finished = finished[:1]
    assert finished[0]["request_id"] == "req-worker-0001"
    assert finished[0]["tenant_schema"] == tenants.a.schema_name and finished[0]["state"] == "success"
