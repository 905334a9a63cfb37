"""A real worker process killed with SIGKILL in the middle of a job: the job is applied exactly
once, whether the whole worker dies or only its prefork pool child. Own redis-server on a free
loopback port (tests/ops/conftest.py), workers started as separate `celery worker` processes on
the test database.

The whole worker is killed (main process and pool child), so nobody rejects the message: it
stays unacknowledged in Redis until the visibility timeout (35 minutes). The heartbeat sweep
finds the job much sooner and queues it again; the new worker applies it in one transaction
(the killed one's transaction was rolled back by PostgreSQL when its connection died); the
original message, redelivered later, finds the batch applied and does nothing.

Only the pool child killed: the main worker process sees it die, rejects the message
(`task_reject_on_worker_lost`) so Redis hands it out again at once, and starts a new child that
runs it. PostgreSQL ended the dead child's session, so the job's advisory lock is free and the
new run takes over without waiting for the heartbeat sweep (apps.core.jobs.runner).
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import override_settings

from apps.accounts.models import User
from apps.discovery.models import Listing
from apps.jobs import stale
from apps.marketplace import import_jobs, services
from apps.marketplace.models import ImportBatch, Product, Shop, Stock, StockLocation, Variant
from apps.marketplace.tasks import run_import_apply
from apps.tenancy.models import Tenant
from config.celery import app
from tests.jobs.conftest import database_url
from tests.ops.conftest import RedisServer, celery_broker

pytestmark = pytest.mark.worker
ROOT = Path(__file__).resolve().parents[2]
ROWS = 1500  # long enough (tens of seconds) to be killed in the middle


def _start_worker(broker: str) -> subprocess.Popen[bytes]:
    db = connection.settings_dict
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": database_url(db),
        "CELERY_BROKER_URL": broker,
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        # Follow-up tasks (the listing sync of every imported product) go to the broker, as
        # from a production worker, instead of running inside the job being killed.
        "KOTAKITA_TEST_EAGER": "0",
    }
    env.pop("REDIS_URL", None)
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--queues=bulk", "--pool=prefork"]
    command += ["--concurrency=1", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "warning"]
    return subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)


def _kill(worker: subprocess.Popen[bytes]) -> None:
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGKILL)  # the whole worker: main process and pool child
    worker.wait(timeout=10)


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.3)
    return False


@pytest.fixture
def shop_and_batch(tenant_a: Tenant, committed: None) -> Iterator[tuple[User, ImportBatch]]:
    with tenant_a:
        owner = User.objects.get(username="admin")
        shop = services.open_shop(owner, name="Toko Uji Pekerja", address="Jl. Uji 1")
        lines = ["SKU,Produk,Harga,Stok"] + [f"KILL-{n},Barang uji {n},{1000 + n},1" for n in range(ROWS)]
        batch = services.preview_import(
            shop, owner, file_name="p.csv", content="\n".join(lines).encode(), kind=ImportBatch.Kind.PRODUCTS
        )
        assert batch.job_state == "done" and batch.summary["create"] == ROWS
    try:
        yield owner, batch
    finally:
        _remove_shop(tenant_a, shop)


def _remove_shop(tenant: Tenant, shop: Shop) -> None:
    """Committed data: remove what this test made, so later tests see the tenant as before."""
    with tenant:
        refs = list(Product.objects.filter(shop=shop).values_list("pk", flat=True))
        Stock.objects.filter(variant__shop=shop).delete()
        Variant.objects.filter(shop=shop).delete()
        Product.objects.filter(shop=shop).delete()
        ImportBatch.objects.filter(shop=shop).delete()
        StockLocation.objects.filter(shop=shop).delete()
        account = shop.payment_account
        Shop.objects.filter(pk=shop.pk).delete()
        if account is not None:
            account.delete()
    connection.set_schema_to_public()
    Listing.objects.filter(tenant=tenant, product_ref__in=refs).delete()


def _apply_transaction_open() -> bool:
    """Another session on the test database has had a transaction open for over a second: the
    worker's apply (the claim's own transaction is a few milliseconds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND xact_start < now() - interval '1 second'"
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def _sessions() -> str:
    """The test database's other sessions, and whom each waits for: what a failure message
    needs when a job does not finish (a run blocked on a lock another session holds)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, pg_blocking_pids(pid), state, wait_event_type, wait_event, now() - xact_start,"
            " left(query, 120) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() ORDER BY pid"
        )
        return "\n".join(" | ".join(str(value) for value in row) for row in cursor.fetchall())


def _batch_now(tenant: Tenant, batch: ImportBatch) -> ImportBatch:
    with tenant:
        return ImportBatch.objects.get(pk=batch.pk)


def _products_of(tenant: Tenant, batch: ImportBatch) -> int:
    with tenant:
        return Product.objects.filter(shop=batch.shop_id).count()


def test_a_job_whose_worker_was_killed_is_applied_exactly_once(
    tenant_a: Tenant, redis_server: RedisServer, shop_and_batch: tuple[User, ImportBatch]
) -> None:
    owner, batch = shop_and_batch
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True

    state = functools.partial(_batch_now, tenant_a, batch)
    products = functools.partial(_products_of, tenant_a, batch)

    workers: list[subprocess.Popen[bytes]] = []
    try:
        with celery_broker(redis_server.url):
            first = _start_worker(redis_server.url)
            workers.append(first)
            with tenant_a:
                import_jobs.start_apply(batch, owner)  # queued after commit (autocommit here)
            assert _wait(lambda: state().job_state == "running", 60), "the first worker never started the job"
            assert _wait(_apply_transaction_open, 60), "the apply transaction never showed"
            assert state().status == ImportBatch.Status.PREVIEW
            _kill(first)
            time.sleep(1)
            assert state().job_state == "running" and state().status == ImportBatch.Status.PREVIEW
            assert products() == 0  # the killed transaction left nothing behind

            second = _start_worker(redis_server.url)
            workers.append(second)
            time.sleep(2)
            with override_settings(JOBS_IMPORT_STALE_SECONDS=1), tenant_a:
                started = time.monotonic()
                requeued = stale.requeue_stale_imports()
            assert requeued == [batch.pk]
            finished = lambda: state().status == ImportBatch.Status.APPLIED and state().job_state == "done"  # noqa: E731
            assert _wait(finished, 240), f"the job was not run again: {state().job_state}\n{_sessions()}"
            sys.stderr.write(f"\nrequeued job applied {time.monotonic() - started:.1f} s after the sweep\n")
            assert products() == ROWS

            # The original message, redelivered after the visibility timeout, changes nothing.
            with tenant_a:
                run_import_apply.delay(batch.pk, owner.pk)
            time.sleep(5)
            assert products() == ROWS and state().job_state == "done"
    finally:
        for worker in workers:
            _kill(worker)


def _pool_children(worker: subprocess.Popen[bytes]) -> list[psutil.Process]:
    return psutil.Process(worker.pid).children()


def test_a_job_whose_pool_child_was_killed_is_applied_exactly_once(
    tenant_a: Tenant, redis_server: RedisServer, shop_and_batch: tuple[User, ImportBatch]
) -> None:
    owner, batch = shop_and_batch
    assert app.conf.task_acks_late is True and app.conf.task_reject_on_worker_lost is True

    state = functools.partial(_batch_now, tenant_a, batch)
    products = functools.partial(_products_of, tenant_a, batch)

    worker: subprocess.Popen[bytes] | None = None
    try:
        with celery_broker(redis_server.url):
            worker = _start_worker(redis_server.url)
            assert _wait(lambda: len(_pool_children(worker)) == 1, 60), "the worker started no pool child"
            with tenant_a:
                import_jobs.start_apply(batch, owner)
            assert _wait(lambda: state().job_state == "running", 60), "the worker never started the job"
            assert _wait(_apply_transaction_open, 60), "the apply transaction never showed"
            (child,) = _pool_children(worker)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
            killed_at = time.monotonic()
            assert state().status == ImportBatch.Status.PREVIEW and products() == 0  # rolled back

            assert worker.poll() is None, "the main worker process died with its child"
            replaced = lambda: [c.pid for c in _pool_children(worker) if c.pid != child.pid]  # noqa: E731
            assert _wait(lambda: bool(replaced()), 30), "the pool did not replace the killed child"
            # No stale sweep here: the rejected message is delivered again and the new child
            # takes the job over (the killed child's transaction was rolled back).
            finished = lambda: state().status == ImportBatch.Status.APPLIED and state().job_state == "done"  # noqa: E731
            assert _wait(finished, 240), (
                f"the job was not run again: {state().job_state} {state().job_error}\n{_sessions()}"
            )
            sys.stderr.write(f"\njob applied {time.monotonic() - killed_at:.1f} s after its pool child was killed\n")
            applied = state()
            assert products() == ROWS and applied.summary["created"] == ROWS
            with tenant_a:
                assert Variant.objects.filter(shop=batch.shop_id).count() == ROWS
                assert Stock.objects.filter(variant__shop=batch.shop_id).count() == ROWS

            # The message was acknowledged once done: nothing is delivered again later.
            time.sleep(3)
            assert products() == ROWS and state().job_state == "done" and state().applied_at == applied.applied_at
            broker = redis.Redis.from_url(redis_server.url)
            assert broker.hlen("unacked") == 0 and broker.llen("bulk") == 0
    finally:
        if worker is not None:
            _kill(worker)
