"""The due-work index: tenants write the earliest time they have sweep work, sweeps rewrite it
from their tables, and beat queues a sweep only where work is due, with a query count that does
not depend on the number of tenants (the 2,000-tenant test)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection as db_connection
from django.db import transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.core.db import connection
from apps.tenancy import due_work, fanout
from apps.tenancy.models import DueWork, Tenant
from tests.due_hints import write_hints

pytestmark = pytest.mark.django_db

Kind = DueWork.Kind
NOW = datetime(2026, 6, 1, 9, 0, tzinfo=timezone.get_fixed_timezone(7 * 60))


class FakeTask:
    """Stands in for a Celery task: records the schema each `delay()` was queued in."""

    def __init__(self) -> None:
        self.schemas: list[str] = []

    def delay(self, *args: Any) -> None:
        self.schemas.append(connection.schema_name)


def _row(tenant: Tenant, kind: DueWork.Kind = Kind.NOTIFICATIONS) -> DueWork | None:
    return DueWork.objects.filter(tenant=tenant, kind=kind).first()


@pytest.fixture
def clean_index(tenants: Any) -> None:
    """Rows the session's tenants wrote while being set up must not count in these tests."""
    DueWork.objects.all().delete()


def test_scheduling_keeps_the_earliest_time_and_writes_it_when_the_change_commits(
    tenant_a: Tenant, clean_index: None, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        with django_capture_on_commit_callbacks() as callbacks:
            due_work.schedule_due(Kind.NOTIFICATIONS, NOW + timedelta(minutes=10))
            due_work.schedule_due(Kind.NOTIFICATIONS, NOW + timedelta(minutes=5))
            due_work.schedule_due(Kind.NOTIFICATIONS, NOW + timedelta(minutes=20))  # later: not even queued
            due_work.schedule_due(Kind.MARKETPLACE, NOW + timedelta(days=1))
            with pytest.raises(RuntimeError), transaction.atomic():
                due_work.schedule_due(Kind.NOTIFICATIONS, NOW)
                raise RuntimeError("the scheduling change rolls back, and its hint with it")
            assert not DueWork.objects.exists()  # nothing written before the commit
        assert write_hints(callbacks) == 3
        # A later hint written on its own (outside a transaction, e.g. a repair) changes nothing.
        due_work.schedule_due(Kind.NOTIFICATIONS, NOW + timedelta(hours=1))
    row = _row(tenant_a)
    assert row is not None and row.due_at == NOW + timedelta(minutes=5) and row.claimed_at is None
    market = _row(tenant_a, Kind.MARKETPLACE)
    assert market is not None and market.due_at == NOW + timedelta(days=1)
    assert DueWork.objects.count() == 2


def test_scheduling_in_the_public_schema_writes_nothing(clean_index: None) -> None:
    connection.set_schema_to_public()
    due_work.schedule_due(Kind.NOTIFICATIONS, NOW)
    due_work.reschedule(Kind.NOTIFICATIONS, NOW)
    assert not DueWork.objects.exists()


def test_a_sweep_clears_the_time_then_writes_the_next_one_keeping_a_time_scheduled_meanwhile(
    tenant_a: Tenant, clean_index: None, django_capture_on_commit_callbacks: Any
) -> None:
    with tenant_a:
        with django_capture_on_commit_callbacks() as callbacks:
            due_work.schedule_due(Kind.REPORTS_SLA, NOW)
        write_hints(callbacks)
        due_work.begin(Kind.REPORTS_SLA, now=NOW)
        row = _row(tenant_a, Kind.REPORTS_SLA)
        assert row is not None and row.due_at is None and row.claimed_at == NOW
        # While the sweep runs, a transaction commits work earlier than what the sweep finds.
        with django_capture_on_commit_callbacks() as callbacks:
            due_work.schedule_due(Kind.REPORTS_SLA, NOW + timedelta(hours=1))
        write_hints(callbacks)
        due_work.reschedule(Kind.REPORTS_SLA, NOW + timedelta(hours=3))
        row = _row(tenant_a, Kind.REPORTS_SLA)
        assert row is not None and row.due_at == NOW + timedelta(hours=1) and row.claimed_at is None
        due_work.begin(Kind.REPORTS_SLA, now=NOW)
        due_work.reschedule(Kind.REPORTS_SLA, None)  # nothing left to do
    row = _row(tenant_a, Kind.REPORTS_SLA)
    assert row is not None and row.due_at is None and row.claimed_at is None


def test_beat_queues_only_due_tenants_once_and_again_after_the_lease(
    tenants: Any, clean_index: None, settings: Any
) -> None:
    settings.DUE_WORK_LEASE_SECONDS = 600
    a, b, kota = tenants.a, tenants.b, tenants.kota
    DueWork.objects.bulk_create(
        [
            DueWork(tenant=a, kind=Kind.MARKETPLACE, due_at=NOW - timedelta(seconds=1)),
            DueWork(tenant=b, kind=Kind.MARKETPLACE, due_at=NOW + timedelta(minutes=1)),
            DueWork(tenant=kota, kind=Kind.MARKETPLACE, due_at=NOW),
            DueWork(tenant=b, kind=Kind.NOTIFICATIONS, due_at=NOW),
        ]
    )
    task = FakeTask()
    assert fanout.enqueue_where_due(task, Kind.MARKETPLACE, NOW) == 2
    assert sorted(task.schemas) == sorted([a.schema_name, kota.schema_name])
    assert connection.schema_name == "public"
    claimed = _row(a, Kind.MARKETPLACE)
    assert claimed is not None and claimed.due_at is None and claimed.claimed_at == NOW

    # The next minute: a's sweep is still queued (claimed), b's time came.
    task = FakeTask()
    assert fanout.enqueue_where_due(task, Kind.MARKETPLACE, NOW + timedelta(minutes=1)) == 1
    assert task.schemas == [b.schema_name]

    # a's sweep never reported back: once the lease is over it is queued again.
    task = FakeTask()
    assert fanout.enqueue_where_due(task, Kind.MARKETPLACE, NOW + timedelta(minutes=9)) == 0
    assert fanout.enqueue_where_due(task, Kind.MARKETPLACE, NOW + timedelta(minutes=10, seconds=1)) == 2
    assert sorted(task.schemas) == sorted([a.schema_name, kota.schema_name])


def test_beat_skips_suspended_tenants_and_keeps_their_time(tenant_a: Tenant, clean_index: None) -> None:
    DueWork.objects.create(tenant=tenant_a, kind=Kind.FULFILLMENT, due_at=NOW)
    Tenant.objects.filter(pk=tenant_a.pk).update(status=Tenant.Status.SUSPENDED)
    task = FakeTask()
    assert fanout.enqueue_where_due(task, Kind.FULFILLMENT, NOW) == 0
    row = _row(tenant_a, Kind.FULFILLMENT)
    assert row is not None and row.due_at == NOW  # due again as soon as the tenant is active


def test_the_safety_net_makes_every_active_tenant_due_once_within_its_window(tenants: Any, clean_index: None) -> None:
    DueWork.objects.create(tenant=tenants.a, kind=Kind.NOTIFICATIONS, due_at=NOW - timedelta(days=1))
    written = fanout.mark_all_due(now=NOW, spread=timedelta(hours=1))
    active = Tenant.objects.filter(status=Tenant.Status.ACTIVE, tenant_type__in=["kota", "kelurahan"]).count()
    assert written == active * len(Kind)
    rows = DueWork.objects.all()
    assert rows.count() == active * len(Kind)
    early = _row(tenants.a)
    assert early is not None and early.due_at == NOW - timedelta(days=1)  # an earlier time is kept
    assert all(NOW <= row.due_at < NOW + timedelta(hours=1) for row in rows.exclude(pk=early.pk) if row.due_at)
    task = FakeTask()
    for kind in Kind:
        fanout.enqueue_where_due(task, kind, NOW + timedelta(hours=1))
    assert len(task.schemas) == active * len(Kind)


# --- 2,000 tenants ---------------------------------------------------------------------------

TENANTS = 2_000


@pytest.fixture
def many_tenants(clean_index: None) -> list[Tenant]:
    """2,000 active kelurahan rows in the public schema only (no schemas: beat must not need
    them), each with a row per kind due later today, as a busy platform's index would hold."""
    made = Tenant.objects.bulk_create(
        Tenant(
            schema_name=f"t_load_{n:05d}",
            slug=f"load-{n:05d}",
            name=f"Kelurahan Beban {n}",
            tenant_type=Tenant.Type.KELURAHAN,
        )
        for n in range(TENANTS)
    )
    DueWork.objects.bulk_create(
        DueWork(tenant=tenant, kind=kind, due_at=NOW + timedelta(hours=1 + n % 12))
        for n, tenant in enumerate(made)
        for kind in Kind
    )
    return made


def _make_due(tenants: list[Tenant], count: int) -> set[str]:
    """Give `count` tenants (spread over the list) work due now, in various kinds."""
    step = max(len(tenants) // max(count, 1), 1)
    chosen = tenants[::step][:count]
    kinds = list(Kind)
    for n, tenant in enumerate(chosen):
        DueWork.objects.filter(tenant=tenant, kind=kinds[n % len(kinds)]).update(due_at=NOW - timedelta(seconds=n))
    return {tenant.schema_name for tenant in chosen}


def _beat_minute(now: datetime, chunk: int = fanout.CLAIM_CHUNK) -> tuple[FakeTask, int]:
    """One minute of beat: each frequent sweep's entry point once. Returns the queued tasks and
    the SQL statements it took."""
    task = FakeTask()
    with CaptureQueriesContext(db_connection) as queries:
        for kind in Kind:
            fanout.enqueue_where_due(task, kind, now, chunk=chunk)
    return task, len(queries)


@pytest.mark.parametrize("due", [0, 10, 200])
def test_2000_tenants_tasks_follow_due_work_and_queries_do_not_follow_tenants(
    many_tenants: list[Tenant], due: int
) -> None:
    expected = _make_due(many_tenants, due)
    task, statements = _beat_minute(NOW)
    assert len(task.schemas) == due
    assert set(task.schemas) == expected
    # Per kind: a savepoint, the claim, its release, and (with claims) one read of their
    # tenants and one `SET search_path` back to public. Five kinds, whatever the number of
    # tenants: the old fan-out read all 2,000 tenants and queued 2,000 tasks per kind.
    assert statements <= len(Kind) * 5

    # The next minute nothing is queued again: the claimed sweeps have not reported back yet.
    again, statements = _beat_minute(NOW + timedelta(minutes=1))
    assert again.schemas == []
    assert statements <= len(Kind) * 3 + 1  # + one SET search_path left from the minute before


def test_2000_tenants_claims_are_read_in_chunks(many_tenants: list[Tenant]) -> None:
    expected = _make_due(many_tenants, 200)
    task, statements = _beat_minute(NOW, chunk=50)
    assert set(task.schemas) == expected and len(task.schemas) == 200
    # 200 claims in chunks of 50 over five kinds: at most 5 chunks a kind (one short of full).
    assert statements <= len(Kind) * 5 * 5


def test_the_old_fan_out_would_queue_one_task_per_tenant(many_tenants: list[Tenant]) -> None:
    """The arithmetic behind docs/operations.md: what one minute cost before the index."""
    task = FakeTask()
    queued = fanout.enqueue_in_every_tenant(task, types=["kelurahan"])
    assert queued >= TENANTS


def test_2000_tenants_the_repair_reaches_each_tenant_once_an_hour_a_twelfth_per_tick(
    many_tenants: list[Tenant], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jobs.repair_everywhere` stays a full fan-out (it is the net behind lost hints) but at a
    constant rate: every 5 minutes a twelfth of the tenants, each tenant once an hour."""
    from apps.jobs import tasks as jobs_tasks

    task = FakeTask()
    monkeypatch.setattr(jobs_tasks, "repair_tenant", task)
    active = Tenant.objects.filter(status=Tenant.Status.ACTIVE, tenant_type__in=["kota", "kelurahan"]).count()
    per_tick = []
    start = NOW.replace(minute=0)
    for tick in range(jobs_tasks.REPAIR_PARTS):
        # Beat a few seconds late or early still takes its own slice.
        jitter = timedelta(seconds=(7 if tick % 2 else -4))
        per_tick.append(jobs_tasks.repair_everywhere.run(start + tick * jobs_tasks.REPAIR_TICK + jitter))
    assert sum(per_tick) == active and len(task.schemas) == len(set(task.schemas)) == active
    # Even slices (ids modulo 12; the session's own few tenants make them differ by a handful).
    assert max(per_tick) - min(per_tick) <= 5 and min(per_tick) >= active // jobs_tasks.REPAIR_PARTS - 5
    # The next hour starts over with the first slice.
    assert jobs_tasks.repair_everywhere.run(start + jobs_tasks.REPAIR_PERIOD) == per_tick[0]
