"""A real Celery worker keeps consuming after Redis restarts under it (a "Redis blip").

Own redis-server (tests/ops/conftest.py), the project's Celery settings (retry for ever, on start
and after a lost connection), a worker on every project queue; Redis is killed while the worker
runs and started again on the same port; a task sent afterwards must still run."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core import mail

from apps.accounts.models import User
from apps.accounts.tasks import send_set_password_email
from config.celery import app
from tests.conftest import TenantSet
from tests.ops.conftest import RedisServer, celery_broker

pytestmark = pytest.mark.worker


def wait_for_mail(to: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(to in message.to for message in mail.outbox):
            return True
        time.sleep(0.2)
    return False


@pytest.fixture
def worker(redis_server: RedisServer, committed: None) -> Iterator[RedisServer]:
    from celery.contrib.testing.worker import start_worker

    with (
        celery_broker(redis_server.url),
        start_worker(
            app,
            pool="solo",
            perform_ping_check=False,
            queues=settings.KOTAKITA_CELERY_QUEUES,
            shutdown_timeout=10,
        ),
    ):
        yield redis_server


def test_the_worker_keeps_consuming_after_redis_restarts(tenants: TenantSet, worker: RedisServer) -> None:
    assert app.conf.broker_connection_max_retries is None
    assert app.conf.broker_connection_retry_on_startup is True
    with tenants.a:
        admin = User.objects.get(username="admin")
    mail.outbox = []

    with tenants.a:
        send_set_password_email.delay(admin.pk)
    assert wait_for_mail("admin@mojorejo.id", 30), "the worker did not run a task before the outage"

    worker.stop()  # Redis dies under the running worker
    time.sleep(3)
    worker.start()  # ...and comes back on the same port, empty
    mail.outbox = []

    with tenants.a:
        send_set_password_email.delay(admin.pk)
    assert wait_for_mail("admin@mojorejo.id", 90), "the worker stopped consuming after Redis restarted"
