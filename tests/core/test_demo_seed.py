"""`seed_demo` seeds only what is missing: a schema whose demo is complete (a DemoSeed row at
SEED_VERSION) is skipped, `force` runs everything again, a seed interrupted half-way redoes
only the schemas it had not finished, and a module's `needs_refresh` tops up a stale part."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from apps.core.db import connection
from apps.demo import seed as demo
from apps.tenancy.models import DemoSeed, Tenant
from tests.conftest import TenantSet

pytestmark = pytest.mark.django_db
FAKE = "tests.core._fake_demo_module"


class Recorder:
    def __init__(self) -> None:
        self.seeded: list[str] = []
        self.fail_on: str | None = None
        self.stale: set[str] = set()

    def seed(self, tenant: Tenant) -> str:
        if tenant.schema_name == self.fail_on:
            raise RuntimeError("interrupted")
        self.seeded.append(tenant.schema_name)
        self.stale.discard(tenant.schema_name)
        return f"seeded {tenant.schema_name}"

    def needs_refresh(self, tenant: Tenant) -> bool:
        return tenant.schema_name in self.stale


@pytest.fixture
def recorder(tenants: TenantSet, monkeypatch: pytest.MonkeyPatch, settings: Any) -> Recorder:
    settings.DEBUG = True  # the demo is only seeded with DEBUG on (apps.accounts.demo_lock)
    rec = Recorder()
    module = ModuleType(FAKE)
    module.seed = rec.seed  # type: ignore[attr-defined]
    module.needs_refresh = rec.needs_refresh  # type: ignore[attr-defined]
    monkeypatch.setattr(demo, "DEMO_MODULES", [module])
    monkeypatch.setattr(demo, "PUBLIC_DEMO_MODULES", [])
    # Only the tenants the test session already has (no region activation here).
    monkeypatch.setattr(demo, "KELURAHAN", {tenants.a.region_id: tenants.a.slug, tenants.b.region_id: tenants.b.slug})
    return rec


def _schemas(tenants: TenantSet) -> list[str]:
    return [tenants.kota.schema_name, tenants.a.schema_name, tenants.b.schema_name]


def test_a_complete_seed_is_skipped_and_force_runs_it_again(recorder: Recorder, tenants: TenantSet) -> None:
    notes: list[str] = []
    accounts = demo.seed(notes=notes)
    assert recorder.seeded == _schemas(tenants)
    assert notes == [f"seeded {s}" for s in _schemas(tenants)]
    connection.set_schema_to_public()
    assert set(DemoSeed.objects.values_list("schema_name", "version")) == {
        *((s, demo.SEED_VERSION) for s in _schemas(tenants)),
        (demo.PUBLIC_MARKER, demo.SEED_VERSION),
    }
    recorder.seeded.clear()
    again = demo.seed()
    assert recorder.seeded == []  # nothing to do
    # the same accounts; API keys are only shown by the run that made them (stored hashed)
    assert [(a.site, a.username) for a in again] == [(a.site, a.username) for a in accounts]
    demo.seed(force=True)
    assert recorder.seeded == _schemas(tenants)


def test_an_interrupted_seed_redoes_only_the_unfinished_schemas(recorder: Recorder, tenants: TenantSet) -> None:
    recorder.fail_on = tenants.b.schema_name
    with pytest.raises(RuntimeError, match="interrupted"):
        demo.seed()
    connection.set_schema_to_public()
    assert set(DemoSeed.objects.values_list("schema_name", flat=True)) == {
        tenants.kota.schema_name,
        tenants.a.schema_name,
    }
    recorder.fail_on = None
    recorder.seeded.clear()
    demo.seed()
    assert recorder.seeded == [tenants.b.schema_name]


def test_an_older_seed_version_is_seeded_again(recorder: Recorder, tenants: TenantSet, monkeypatch: Any) -> None:
    demo.seed()
    recorder.seeded.clear()
    monkeypatch.setattr(demo, "SEED_VERSION", demo.SEED_VERSION + 1)
    demo.seed()
    assert recorder.seeded == _schemas(tenants)


def test_a_stale_part_is_refreshed(recorder: Recorder, tenants: TenantSet) -> None:
    demo.seed()
    recorder.seeded.clear()
    recorder.stale.add(tenants.a.schema_name)
    notes: list[str] = []
    demo.seed(notes=notes)
    assert recorder.seeded == [tenants.a.schema_name]
    assert notes == [f"seeded {tenants.a.schema_name}"]
