"""Tenant placement and online moves on a real Citus cluster (coordinator + 2 workers).

Skipped on plain PostgreSQL; see tests/citus/conftest.py for how to run it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import psycopg
import pytest
from django.db import connection

from apps.accounts.models import User
from apps.notifications.models import Message
from apps.tenancy import placement
from apps.tenancy.models import Tenant, TenantOperationJob
from tests.conftest import TenantSet

pytestmark = pytest.mark.citus

SEED_ROWS = 20_000  # enough data that the copy takes a few progress polls


def _distribute(schema: str) -> None:
    connection.set_schema_to_public()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_dist_schema WHERE schemaid = %s::regnamespace", [schema])
        if cursor.fetchone() is None:
            cursor.execute("SET citus.enable_unsafe_triggers = on")
            cursor.execute("SELECT citus_schema_distribute(%s::regnamespace)", [schema])


@pytest.fixture
def distributed(citus: None, tenants: TenantSet, committed: None) -> Iterator[Tenant]:
    """Tenant a as a distributed schema on a worker (tenant b stays local on the coordinator
    unless the set-up distributes every tenant schema itself)."""
    _distribute(tenants.a.schema_name)
    yield tenants.a
    connection.set_schema_to_public()
    TenantOperationJob.objects.filter(schema_name=tenants.a.schema_name).delete()


def _citus_nodes_of(schema: str) -> set[tuple[str, int]]:
    """Where Citus' own view says the schema's shards are (independent of placement.py)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT cs.nodename, cs.nodeport FROM citus_shards cs "
            "JOIN pg_class c ON c.oid = cs.table_name WHERE c.relnamespace = %s::regnamespace",
            [schema],
        )
        return {(host, int(port)) for host, port in cursor.fetchall()}


def _citus_size_of(schema: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(cs.shard_size), 0) FROM citus_shards cs "
            "JOIN pg_class c ON c.oid = cs.table_name WHERE c.relnamespace = %s::regnamespace",
            [schema],
        )
        row = cursor.fetchone()
        return int(row[0]) if row else 0


def test_the_node_view_is_what_citus_says(distributed: Tenant, tenants: TenantSet) -> None:
    assert placement.is_citus()
    nodes = placement.nodes()
    assert len(nodes) == 3
    coordinator, *workers = nodes
    assert coordinator.coordinator and not coordinator.holds_tenants
    assert all(node.active and node.holds_tenants and not node.coordinator for node in workers)

    found = placement.tenant_placements([tenants.a, tenants.b])
    a, b = found[tenants.a.pk], found[tenants.b.pk]
    assert a.distributed and a.node is not None and a.node in workers
    assert _citus_nodes_of(tenants.a.schema_name) == {(a.node.host, a.node.port)}
    assert a.size_bytes == _citus_size_of(tenants.a.schema_name) > 0
    if b.distributed:  # a set-up that distributes every new tenant schema (h-citus)
        assert b.node in workers and _citus_nodes_of(tenants.b.schema_name) == {(b.node.host, b.node.port)}
    else:  # local tables on the coordinator
        assert b.node == coordinator and b.size_bytes > 0

    loads = {load.node.id: load for load in placement.node_loads()}
    assert tenants.a.schema_name in loads[a.node.id].schemas
    assert b.node is not None and tenants.b.schema_name in loads[b.node.id].schemas
    # Only distributed schemas are ever planned (a local one cannot be moved).
    planned = {move.schema_name for move in placement.rebalance_plan(by="count")}
    assert b.distributed or tenants.b.schema_name not in planned


def test_a_tenant_moved_under_writes_loses_nothing(distributed: Tenant, tenants: TenantSet) -> None:
    tenant = distributed
    source = placement.placement_of(tenant.schema_name)
    assert source is not None and source.node is not None
    target = next(node for node in placement.nodes() if node.holds_tenants and node.id != source.node.id)
    with tenant:
        recipient = User.objects.get(username="admin")
        Message.objects.filter(event__startswith="test.move").delete()
        Message.objects.bulk_create(
            Message(recipient=recipient, channel="in_app", event="test.move.seed", key=f"seed-{i}", title="t", body="b")
            for i in range(SEED_ROWS)
        )
    connection.set_schema_to_public()

    stop = threading.Event()
    written: list[str] = []
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with tenant:
                i = 0
                while not stop.is_set():
                    key = f"live-{i}"
                    Message.objects.create(
                        recipient_id=recipient.pk, channel="in_app", event="test.move", key=key, title="t", body="b"
                    )
                    written.append(key)  # only once committed (autocommit)
                    i += 1
                    time.sleep(0.01)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    seen: list[tuple[int, str]] = []

    def watch() -> None:
        try:
            while not stop.is_set():
                row = (
                    TenantOperationJob.objects.filter(schema_name=tenant.schema_name, kind="move")
                    .values_list("done", "step")
                    .first()
                )
                if row is not None:
                    seen.append(row)
                time.sleep(0.2)
        finally:
            connection.close()

    writer = threading.Thread(target=write)
    watcher = threading.Thread(target=watch)
    writer.start()
    watcher.start()
    try:
        while len(written) < 20 and not errors:
            time.sleep(0.05)
        before = len(written)
        job = placement.move_tenant(tenant, target.label)
        during = len(written) - before
        settled = len(written)
        while len(written) < settled + 20 and not errors:  # and it keeps writing on the new node
            time.sleep(0.05)
    finally:
        stop.set()
        writer.join(timeout=60)
        watcher.join(timeout=60)

    assert not errors, errors
    assert job.status == TenantOperationJob.Status.DONE, job.error
    print(  # noqa: T201 - the numbers for the report (pytest -s)
        f"\nmoved {tenant.schema_name} {source.node} -> {target}: {source.size_bytes} bytes, "
        f"{job.result['seconds']} s; {SEED_ROWS} seeded + {len(written)} live rows, {during} written during the move"
    )
    assert job.result["source"] == source.node.label and job.result["target"] == target.label
    assert during > 0, "no write went through while the tenant was moving"
    assert _citus_nodes_of(tenant.schema_name) == {(target.host, target.port)}
    after = placement.placement_of(tenant.schema_name)
    assert after is not None and after.node == target

    with tenant:
        live = set(Message.objects.filter(event="test.move").values_list("key", flat=True))
        seeded = Message.objects.filter(event="test.move.seed").count()
    connection.set_schema_to_public()
    assert live == set(written) and len(live) == len(written)
    assert seeded == SEED_ROWS

    # Read straight from the target worker: every row is there.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT shard_name FROM citus_shards WHERE table_name = %s::regclass",
            [f'"{tenant.schema_name}"."{Message._meta.db_table}"'],
        )
        row = cursor.fetchone()
        assert row is not None
        shard = str(row[0])
    with psycopg.connect(
        host=target.host, port=target.port, dbname=connection.settings_dict["NAME"], user="postgres", autocommit=True
    ) as worker:
        count = worker.execute(f"SELECT count(*) FROM {shard} WHERE event LIKE 'test.move%'").fetchone()
    assert count is not None and count[0] == SEED_ROWS + len(written)

    # The operator saw it move: progress between 0 and 100 while it ran, then done.
    assert any(0 < done < 100 for done, _step in seen), seen
    assert {"copy", "catch up", "switch"} & {step for _done, step in seen}, seen

    with tenant:
        Message.objects.filter(event__startswith="test.move").delete()


def test_moving_to_the_node_it_is_on_is_refused(distributed: Tenant) -> None:
    from apps.core.errors import Conflict

    place = placement.placement_of(distributed.schema_name)
    assert place is not None and place.node is not None
    with pytest.raises(Conflict) as refused:
        placement.do_start_move(distributed, place.node.label, queue=False)
    assert refused.value.code == "same_node"
