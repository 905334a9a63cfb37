"""The COPY archive format (apps.tenancy.schema_copy, archives FORMAT 2): a round trip gives back
every row of every table (ledger included), the sequences and the files; the dump is one
snapshot; nothing in a tenant schema is outside what it copies."""

from __future__ import annotations

import tarfile
import threading
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.conf import settings
from django.db import connections, models

from apps.core.db import connection
from apps.core.files import public_storage
from apps.payments.reconciliation import unbalanced_entries, verify_balances
from apps.tenancy import archives, schema_copy, schemas, services
from apps.tenancy.models import Tenant
from apps.tenancy.restore import restore_archive
from tests.conftest import TenantSet
from tests.files.conftest import use_local
from tests.test_backup import ledger_state, seed

KIND = Tenant.Type.KELURAHAN


@pytest.fixture
def storage_dirs(settings: Any, tmp_path: Path) -> Path:
    settings.TENANT_ARCHIVE_DIR = tmp_path / "archives"
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.KOTAKITA_FILE_ACCEL = ""
    use_local(settings)
    return tmp_path


def every_row(schema: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows in a stable order (all columns as text, sorted)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table in schema_copy.model_tables(KIND):
            cursor.execute(f"SELECT t::text FROM {quote(schema)}.{quote(table)} t")
            rows[table] = sorted(row[0] for row in cursor.fetchall())
    return rows


def sequence_positions(schema: str) -> dict[str, tuple[int, bool]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, last_value, last_value IS NOT NULL FROM pg_sequences WHERE schemaname = %s",
            [schema],
        )
        return {name: (value, called) for name, value, called in cursor.fetchall()}


def test_round_trip_gives_back_every_row_sequence_and_file(
    tenants: TenantSet,
    committed: None,
    storage_dirs: Path,
) -> None:
    tenant = services.activate_region("35.78.05.1001").tenant
    seeded = seed(tenant)
    rows_before = every_row(tenant.schema_name)
    sequences_before = sequence_positions(tenant.schema_name)
    with tenant:
        ledger_before = ledger_state()
    assert rows_before["payments_posting"] and rows_before["payments_journalentry"]  # the ledger is in it

    archive = services.remove_tenant(tenant, reason="Uji salin")
    path = Path(archive.path)
    with tarfile.open(path) as tar:
        names = tar.getnames()
    assert "schema.dump" not in names and "data/payments_posting.copy" in names

    restored = restore_archive(path)
    try:
        assert restored.schema_name == tenant.schema_name
        assert every_row(restored.schema_name) == rows_before
        assert sequence_positions(restored.schema_name) == sequences_before
        with restored:
            assert ledger_state() == ledger_before
            assert unbalanced_entries() == [] and verify_balances() == []
            with public_storage().open(seeded["photo_name"], "rb") as stream:
                assert stream.read().endswith(b"-produk")
        # The ledger's rules are back on: a posting cannot be changed after the restore.
        with connection.cursor() as cursor, pytest.raises(Exception, match="not allowed"):
            cursor.execute(f"UPDATE {restored.schema_name}.payments_posting SET amount = amount")
    finally:
        connection.set_schema_to_public()
        services.remove_tenant(restored)


def test_restore_under_another_code_and_from_a_template_clone(
    tenants: TenantSet,
    committed: None,
    storage_dirs: Path,
) -> None:
    """With the pool empty the fresh schema is a clone of the template."""
    tenant = services.activate_region("35.78.05.1002").tenant
    copy: Tenant | None = None
    try:
        seed(tenant)
        rows = every_row(tenant.schema_name)
        path = archives.write_archive(tenant, storage_dirs / "b").path
        assert archives.read_archive(path, storage_dirs / "open").format == archives.FORMAT
        for schema in schemas.PooledSchema.objects.filter(tenant_type=KIND).values_list("schema_name", flat=True):
            schemas.drop_schema(schema)
        schemas.PooledSchema.objects.filter(tenant_type=KIND).delete()
        copy = restore_archive(path, as_code="35.78.05.1003")
        assert copy.schema_name == "kel_3578051003"
        assert every_row(copy.schema_name) == rows
    finally:
        connection.set_schema_to_public()
        services.remove_tenant(tenant)
        if copy is not None:
            services.remove_tenant(copy)


def test_the_dump_is_one_snapshot(
    tenants: TenantSet,
    committed: None,
    storage_dirs: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A write committed while the dump runs (after its snapshot) is not in the archive at all."""
    tenant = services.activate_region("35.78.05.1004").tenant
    original = schema_copy._dependency_order

    def write_meanwhile(cursor: Any, tables: dict[str, int]) -> list[str]:
        def other_session() -> None:
            params = connections["default"].get_connection_params()
            with psycopg.connect(**params, autocommit=True) as conn:
                conn.execute(
                    f"INSERT INTO {tenant.schema_name}.django_migrations (app, name, applied)"
                    " VALUES ('uji', 'sesudah-snapshot', now())"
                )

        thread = threading.Thread(target=other_session)
        thread.start()
        thread.join(30)
        return original(cursor, tables)

    try:
        before = every_row(tenant.schema_name)["django_migrations"]
        monkeypatch.setattr(schema_copy, "_dependency_order", write_meanwhile)
        written = archives.write_archive(tenant, storage_dirs / "b")
        monkeypatch.undo()
        assert len(every_row(tenant.schema_name)["django_migrations"]) == len(before) + 1  # it did commit
        assert written.manifest["counts"]["schema"]["django_migrations"] == len(before)
        with tarfile.open(written.path) as tar:
            data = tar.extractfile("data/django_migrations.copy").read()  # type: ignore[union-attr]
        assert b"sesudah-snapshot" not in data
    finally:
        connection.set_schema_to_public()
        services.remove_tenant(tenant)


@pytest.mark.django_db
def test_every_table_and_sequence_of_a_tenant_schema_is_copied(tenants: TenantSet) -> None:
    """The dump finds tables by model (no scan of the whole catalog): a table or sequence made
    by raw SQL in a migration, without a model, would be left out. The template has none."""
    template = schemas.template_schema(KIND)
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = %s", [template])
        in_schema = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = %s", [template])
        sequences = {row[0] for row in cursor.fetchall()}
        tables = schema_copy._tables(cursor, template, schema_copy.model_tables(KIND))
        owned = set(schema_copy._sequences(cursor, template, list(tables.values())))
    assert in_schema == set(tables)
    assert sequences == owned


def test_migration_targets_for_an_older_state() -> None:
    from django.db.migrations.loader import MigrationLoader

    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    payments = sorted(key for key in graph.nodes if key[0] == "payments")
    older = {f"{a}.{n}" for a, n in payments[:2]}
    targets = dict(schema_copy._targets(graph, {"payments", "agenda"}, older))
    assert targets == {"payments": payments[1][1], "agenda": None}
    with pytest.raises(RuntimeError, match="does not"):
        schema_copy._targets(graph, {"payments"}, {"payments.9999_future"})
    assert settings.TENANT_SCHEMA_POOL_REFILL is False


def test_an_archive_from_an_older_migration_state_is_migrated_forward(
    tenants: TenantSet, committed: None, storage_dirs: Path
) -> None:
    """An archive written before a migration existed: the schema is migrated to the archive's
    state, loaded, then migrated forward (here the newest accounts migration). An archive made
    before the login attempts moved to public lists the four axes tables (with rows): they are
    left out (schema_copy.RETIRED_TABLES), as is the per-user permission table. A link table the
    migration keys by its pair (accounts_user_groups) still has its `id` in such an archive."""
    from django.db.migrations.loader import MigrationLoader

    from apps.tenancy.restore import restore_schema_data

    (leaf,) = MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes("accounts")
    newest = f"accounts.{leaf[1]}"
    tenant = services.activate_region("35.78.04.1001").tenant
    target = "kel_scale_older_state"
    try:
        seed(tenant)
        rows = every_row(tenant.schema_name)
        path = archives.write_archive(tenant, storage_dirs / "b").path
        opened = archives.read_archive(path, storage_dirs / "open")
        part = opened.manifest["schema_data"]
        assert newest in part["migrations"]
        # Make it an archive of the state before `newest`: manifest and django_migrations rows.
        part["migrations"].remove(newest)
        data = opened.folder / "data" / "django_migrations.copy"
        # (app and name: other apps have a migration of the same name, e.g. 0005_slim_indexes)
        row = f"\t{leaf[0]}\t{leaf[1]}\t"
        lines = [line for line in data.read_text().splitlines(keepends=True) if row not in line]
        data.write_text("".join(lines))
        for table in part["tables"]:
            if table["name"] == "django_migrations":
                table["rows"] = len(lines)
        # Nor has it the columns that migration adds (e.g. accounts_user.nik_digest).
        from django.apps import apps as django_apps
        from django.db.migrations.operations import AddField

        migration = MigrationLoader(None, ignore_no_migrations=True).get_migration(*leaf)
        added = {
            (model._meta.db_table, model._meta.get_field(op.name).column)
            for op in migration.operations
            if isinstance(op, AddField) and (model := django_apps.get_model(leaf[0], op.model_name))
        }
        for table in part["tables"]:
            for name, column in added:
                if table["name"] == name and column in table["columns"]:
                    index = table["columns"].index(column)
                    table["columns"].remove(column)
                    copy = opened.folder / "data" / f"{name}.copy"
                    kept = []
                    for line in copy.read_text().splitlines():
                        fields = line.split("\t")  # COPY text: tabs inside values are escaped
                        kept.append("\t".join(fields[:index] + fields[index + 1 :]) + "\n")
                    copy.write_text("".join(kept))
        # Nor the pair keys it gives link tables (a CreateModel keyed by a CompositePrimaryKey on
        # an existing table, apps.core.pair_tables): before it, such a table has an `id` first.
        from django.db.migrations.operations import CreateModel, SeparateDatabaseAndState

        state_ops = [
            inner
            for op in migration.operations
            for inner in (op.state_operations if isinstance(op, SeparateDatabaseAndState) else [op])
        ]
        pair_keyed = {
            op.options["db_table"]
            for op in state_ops
            if isinstance(op, CreateModel)
            and "db_table" in op.options
            and any(isinstance(field, models.CompositePrimaryKey) for _, field in op.fields)
        }
        for table in part["tables"]:
            if table["name"] in pair_keyed and "id" not in table["columns"]:
                table["columns"].insert(0, "id")
                copy = opened.folder / "data" / f"{table['name']}.copy"
                if copy.exists():
                    lines = copy.read_text().splitlines()
                    copy.write_text("".join(f"{n}\t{line}\n" for n, line in enumerate(lines, start=1)))
        part["tables"] += [
            {"name": name, "columns": ["id", "username"], "rows": 1 if name == "axes_accessattempt" else 0}
            for name in sorted(schema_copy.RETIRED_TABLES)
        ]
        (opened.folder / "data" / "axes_accessattempt.copy").write_text("7\tadmin\n")

        restore_schema_data(opened, target)

        assert schema_copy.migration_state(target) == schema_copy.migration_state(tenant.schema_name)
        restored = every_row(target)
        for table, expected in rows.items():
            if table != "django_migrations":  # the forward migration's row has a new time
                assert restored[table] == expected, table
    finally:
        connection.set_schema_to_public()
        schemas.drop_schema(target)
        services.remove_tenant(tenant)
