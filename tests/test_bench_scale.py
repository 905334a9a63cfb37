"""bench/scale.py's measurements at a tiny size, on the test database's tenants (the full run
grows its own database to thousands: `.venv/bin/python bench/scale.py`)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from celery.schedules import crontab
from django.utils import timezone

from apps.tenancy import services
from apps.tenancy.models import DueWork, Tenant
from tests.conftest import TenantSet

BENCH = Path(__file__).resolve().parent.parent / "bench"


@pytest.fixture(scope="module")
def scale() -> Iterator[ModuleType]:
    sys.path.insert(0, str(BENCH))
    try:
        import scale as module

        yield module
    finally:
        sys.path.remove(str(BENCH))


def test_beat_counts_the_tasks_each_entry_queues(tenants: TenantSet, committed: None, scale: Any) -> None:
    # The sweeps wake only tenants with work due (apps.tenancy.due_work): one tenant due now, the
    # others later, so the notifications entry queues exactly one task a run.
    kind = DueWork.Kind.NOTIFICATIONS
    DueWork.objects.filter(kind=kind).delete()
    later = timezone.now() + timedelta(hours=1)
    DueWork.objects.create(tenant=tenants.a, kind=kind, due_at=timezone.now())
    DueWork.objects.create(tenant=tenants.b, kind=kind, due_at=later)
    beat = scale.measure_beat()
    by_entry = {e["entry"]: e for e in beat["entries"]}
    assert by_entry["notifications-sweep"]["queued_per_run"] == 1
    assert by_entry["notifications-sweep"]["runs_per_day"] == 1440
    assert not any(e["error"] for e in beat["entries"]), beat["entries"]
    assert beat["steady_tasks_per_min"] >= 2  # the notifications entry and its one task, every minute
    assert scale._runs_per_day(crontab(hour=3, minute=0, day_of_week=0)) == (1 / 7, [180])


def test_backup_and_catalog_measurements(
    tenants: TenantSet, committed: None, scale: Any, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    codes = iter(["35.78.05.1005"])
    backup = scale.measure_backup(1, 1, codes)
    assert backup["copy_format"]["n"] == 1 and backup["pg_dump_format"]["n"] == 1
    assert backup["restore_s"] > 0 and not Tenant.objects.filter(region_id="35.78.05.1005").exists()
    catalog = scale.catalog()
    assert catalog["pg_class_per_tenant"] > 100 and catalog["pg_class_total"] > catalog["pg_class_per_tenant"]


def test_growth_worker_activates_until_the_target(
    tenants: TenantSet, committed: None, scale: Any, settings: Any, tmp_path: Path
) -> None:
    settings.TENANT_ARCHIVE_DIR = tmp_path
    before = scale.tenant_count()
    scale.grow_worker(before + 1, 0, 1)
    assert scale.tenant_count() == before + 1
    newest = Tenant.objects.filter(tenant_type=Tenant.Type.KELURAHAN).order_by("-id").first()
    assert newest is not None
    services.remove_tenant(newest)
