"""The routing task runs in the schema of the tenant it was queued in, on a real Celery worker."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from django.utils import timezone

from apps.fulfillment.models import Batch, Hub, RoutingJob
from apps.fulfillment.tasks import run_routing_job
from apps.marketplace.models import StockLocation
from apps.tenancy.models import Tenant
from config.celery import app
from tests.conftest import TenantSet

pytestmark = pytest.mark.worker


@pytest.fixture
def worker(committed: None) -> Iterator[None]:
    redis_url = os.environ.get("REDIS_URL")
    if not redis_url:
        pytest.skip("REDIS_URL is not set: the real-worker test needs Redis (CI provides it)")
    from celery.contrib.testing.worker import start_worker

    queue = f"test-{uuid.uuid4().hex[:8]}"
    keys = (
        "task_always_eager",
        "broker_url",
        "result_backend",
        "task_default_queue",
        "task_routes",
        "broker_connection_retry_on_startup",
    )
    saved = {k: app.conf.get(k) for k in keys}
    app.conf.update(
        task_always_eager=False,
        broker_url=redis_url,
        result_backend=redis_url,
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
            result_backend=saved["result_backend"],
            task_default_queue=saved["task_default_queue"],
            task_routes=saved["task_routes"],
            broker_connection_retry_on_startup=saved["broker_connection_retry_on_startup"],
        )


def _empty_job(tenant: Tenant, code: str) -> int:
    with tenant:
        location = StockLocation.objects.create(kind="hub", code=code, name=code)
        hub = Hub.objects.create(code=code, name=code, location=location, lat=-7.637, lng=111.534)
        batch = Batch.objects.create(hub=hub, cutoff_at=timezone.now())
        return RoutingJob.objects.create(batch=batch).pk


def _wipe(tenant: Tenant, code: str) -> None:
    with tenant:
        RoutingJob.objects.filter(batch__hub__code=code).delete()
        Batch.objects.filter(hub__code=code).delete()
        Hub.objects.filter(code=code).delete()
        StockLocation.objects.filter(code=code).delete()


def test_routing_task_runs_in_its_tenants_schema(tenants: TenantSet, worker: None) -> None:
    code = f"hub-{uuid.uuid4().hex[:6]}"
    try:
        job_a = _empty_job(tenants.a, code)
        job_b = _empty_job(tenants.b, code)
        with tenants.a:
            result_a = run_routing_job.delay(job_a)
        with tenants.b:
            result_b = run_routing_job.delay(job_b)
        out_a = result_a.get(timeout=60)
        out_b = result_b.get(timeout=60)
        assert out_a["schema"] == tenants.a.schema_name and out_a["job"] == job_a
        assert out_b["schema"] == tenants.b.schema_name and out_b["job"] == job_b
        for tenant, job_id in ((tenants.a, job_a), (tenants.b, job_b)):
            with tenant:
                job = RoutingJob.objects.get(pk=job_id)
                assert job.status == RoutingJob.Status.SUCCEEDED and job.orders_total == 0
                assert job.batch.status == Batch.Status.ROUTED
    finally:
        _wipe(tenants.a, code)
        _wipe(tenants.b, code)
