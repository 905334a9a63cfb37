"""Citus placement: every tenant schema (activated from the pool, by clone, or restored from
its archive) is a distributed schema whose tables all sit on ONE worker; the templates and the
public schema's tables stay plain coordinator tables. Runs in the Citus suite (`make
test-citus`); on plain PostgreSQL only the detection is checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from apps.accounts.models import User
from apps.tenancy import citus, restore, schemas, services
from apps.tenancy.models import PooledSchema, Tenant
from tests.conftest import TenantSet


@pytest.fixture
def on_citus(django_db_setup: None, django_db_blocker: Any) -> None:
    """Skips before the (costly) tenant fixtures when the test database is not a Citus one."""
    with django_db_blocker.unblock():
        if not citus.is_citus(connection):
            pytest.skip("not a Citus database")


def placements(schema: str) -> dict[str, set[tuple[int, int]]]:
    """Table name -> the (group, port) of every node holding one of its shards."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, n.groupid, n.nodeport FROM pg_dist_partition p "
            "JOIN pg_class c ON c.oid = p.logicalrelid "
            "JOIN pg_dist_shard s ON s.logicalrelid = p.logicalrelid "
            "JOIN pg_dist_placement pl ON pl.shardid = s.shardid "
            "JOIN pg_dist_node n ON n.groupid = pl.groupid "
            "WHERE c.relnamespace = to_regnamespace(%s)",
            [schema],
        )
        found: dict[str, set[tuple[int, int]]] = {}
        for table, group, port in cursor.fetchall():
            found.setdefault(table, set()).add((group, port))
        return found


def local_tables(schema: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = to_regnamespace(%s) AND relkind IN ('r', 'p')",
            [schema],
        )
        return {row[0] for row in cursor.fetchall()}


def assert_whole_on_one_worker(schema: str) -> None:
    with connection.cursor() as cursor:
        assert citus.is_distributed(cursor, schema), f"{schema} is not a distributed schema"
    where = placements(schema)
    tables = local_tables(schema)
    assert set(where) == tables, f"tables of {schema} not distributed: {sorted(tables - set(where))[:5]}"
    nodes = set().union(*where.values())
    assert len(nodes) == 1, f"{schema} is spread over {sorted(nodes)}"
    [(group, _port)] = nodes
    assert group != 0, f"{schema} sits on the coordinator"


def assert_local(schema: str) -> None:
    with connection.cursor() as cursor:
        assert not citus.is_distributed(cursor, schema)
    assert placements(schema) == {}
    assert local_tables(schema)


@pytest.mark.django_db
def test_detection_matches_the_server() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_extension WHERE extname = 'citus'")
        installed = bool(cursor.fetchone()[0])
    assert citus.is_citus(connection) is installed
    assert (citus.cluster_of(connection) is None) is not installed


@pytest.mark.citus
@pytest.mark.django_db
def test_tenant_schemas_are_whole_on_one_worker_templates_and_public_stay_local(
    on_citus: None, tenants: TenantSet
) -> None:
    for tenant in (tenants.kota, tenants.a, tenants.b):
        assert_whole_on_one_worker(tenant.schema_name)
    for kind in schemas.TENANT_TYPES:
        assert_local(schemas.template_schema(kind))
    assert_local("public")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_dist_node WHERE groupid <> 0 AND noderole = 'primary'")
        assert cursor.fetchone()[0] >= 1, "the suite must run with workers"


@pytest.mark.citus
def test_pooled_and_restored_schemas_are_distributed(
    on_citus: None, tenants: TenantSet, committed: None, settings: Any, tmp_path: Path
) -> None:
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    kind = Tenant.Type.KELURAHAN
    before = set(PooledSchema.objects.filter(tenant_type=kind).values_list("schema_name", flat=True))
    assert schemas.fill_pool(kind, len(before) + 1) == 1
    [pooled] = set(PooledSchema.objects.filter(tenant_type=kind).values_list("schema_name", flat=True)) - before
    assert_whole_on_one_worker(pooled)
    activation = services.activate_region("35.77.02.1008")  # renames a pooled schema
    tenant = activation.tenant
    restored: Tenant | None = None
    try:
        assert activation.from_pool
        assert_whole_on_one_worker(tenant.schema_name)
        archive = services.remove_tenant(tenant)
        restored = restore.restore_archive(Path(archive.path))
        assert_whole_on_one_worker(restored.schema_name)
        with restored:
            assert User.objects.filter(username="admin").exists()
    finally:
        services.remove_tenant(restored or tenant)


def test_triggers_are_split_off_a_dump_to_come_after_the_distribution() -> None:
    sql = (
        "CREATE TABLE s.payments_posting (id bigint);\n"
        "COPY s.payments_posting (id) FROM stdin;\n1\n\\.\n"
        "CREATE TRIGGER payments_posting_apply BEFORE INSERT ON s.payments_posting FOR EACH ROW "
        "EXECUTE FUNCTION s.payments_posting_apply();\n"
        "CREATE CONSTRAINT TRIGGER payments_posting_balanced AFTER INSERT ON s.payments_posting "
        "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION s.payments_entry_balanced();\n"
        "ALTER TABLE ONLY s.payments_posting ADD CONSTRAINT p_pkey PRIMARY KEY (id);\n"
    )
    body, triggers = citus.triggers_last(sql)
    assert "TRIGGER" not in body and "COPY s.payments_posting" in body and "p_pkey" in body
    assert triggers.count("TRIGGER payments_posting_") == 2
    assert body.count("\n") + triggers.count("\n") == sql.count("\n")
