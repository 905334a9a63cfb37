"""A task queued inside a tenant runs in that tenant's schema on a real Celery worker (Redis)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.core import mail

from apps.accounts.models import User
from apps.accounts.tasks import send_set_password_email
from config.celery import app
from tests.conftest import TenantSet

pytestmark = pytest.mark.worker


@pytest.fixture
def worker(committed: None) -> Iterator[None]:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the real-worker test needs Redis (CI provides it)")
    from celery.contrib.testing.worker import start_worker

    queue = f"test-{uuid.uuid4().hex[:8]}"  # never consume anyone else's messages
    saved = dict(app.conf)
    app.conf.update(
        task_always_eager=False,
        broker_url=redis_url,
        task_default_queue=queue,
        task_routes={"*": {"queue": queue}},  # the project routes tasks to shared queue names
        broker_connection_retry_on_startup=False,
    )
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=10):
            yield
    finally:
        app.conf.update(
            task_always_eager=saved["task_always_eager"],
            broker_url=saved["broker_url"],
            task_default_queue=saved["task_default_queue"],
            task_routes=saved["task_routes"],
            broker_connection_retry_on_startup=saved["broker_connection_retry_on_startup"],
        )


def test_task_runs_in_the_schema_it_was_queued_in(tenants: TenantSet, worker: None) -> None:
    with tenants.a:
        admin_a = User.objects.get(username="admin")
    with tenants.b:
        admin_b = User.objects.get(username="admin")
    # The same primary key means a different person in each kelurahan.
    assert admin_a.pk == admin_b.pk
    mail.outbox = []

    with tenants.a:
        result_a = send_set_password_email.delay(admin_a.pk)
    with tenants.b:
        result_b = send_set_password_email.delay(admin_b.pk)

    assert result_a.get(timeout=30) == "admin@mojorejo.id"
    assert result_b.get(timeout=30) == "admin@pandean.id"
    bodies = {m.to[0]: m.body for m in mail.outbox}
    assert "mojorejo.localhost" in bodies["admin@mojorejo.id"]
    assert "pandean.localhost" in bodies["admin@pandean.id"]
    assert "pandean" not in bodies["admin@mojorejo.id"]
