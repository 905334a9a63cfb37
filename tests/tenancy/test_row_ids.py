"""A tenant schema's auto primary keys share one id sequence per key type (apps.core.row_ids):
no IDENTITY and no sequence per table; the public schema keeps Django's IDENTITY columns."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.test.utils import isolate_apps

from apps.core import row_ids
from apps.core.models import DocumentCounter
from apps.rtrw.models import RukunWarga
from apps.tenancy import archives, restore, schemas
from tests.conftest import TenantSet

TEMPLATE = "template_kelurahan"


def sequences(schema: str) -> dict[str, tuple[str, int | None]]:
    """Every sequence of `schema`: name -> (type, last value handed out)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sequencename, data_type::text, last_value FROM pg_sequences WHERE schemaname = %s", [schema]
        )
        return {name: (kind, last) for name, kind, last in cursor.fetchall()}


def key_defaults(schema: str) -> dict[str, tuple[str, str | None, bool]]:
    """Each table's single-column integer primary key: table -> (type, "schema.sequence" its
    default draws from or None, is IDENTITY)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname, t.typname,
                   (SELECT sn.nspname || '.' || s.relname FROM pg_depend dep
                      JOIN pg_class s ON s.oid = dep.refobjid AND s.relkind = 'S'
                      JOIN pg_namespace sn ON sn.oid = s.relnamespace
                     WHERE dep.classid = 'pg_attrdef'::regclass AND dep.objid = d.oid),
                   a.attidentity <> ''
            FROM pg_index i
            JOIN pg_class c ON c.oid = i.indrelid
            JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = i.indkey[0]
            JOIN pg_type t ON t.oid = a.atttypid
            LEFT JOIN pg_attrdef d ON d.adrelid = c.oid AND d.adnum = a.attnum
            WHERE n.nspname = %s AND i.indisprimary AND i.indnatts = 1 AND t.typname IN ('int2', 'int4', 'int8')
            """,
            [schema],
        )
        return {table: (kind, seq, identity) for table, kind, seq, identity in cursor.fetchall()}


def auto_key_tables(tenant_type: str) -> set[str]:
    """The db_table of every model with an auto primary key in a schema of `tenant_type`."""
    labels = schemas._app_labels(tenant_type)
    return {
        model._meta.db_table
        for model in django_apps.get_models(include_auto_created=True)
        if model._meta.app_label in labels
        and model._meta.managed
        and not model._meta.proxy
        and isinstance(model._meta.pk, models.AutoField)
    }


def assert_own_sequences(schema: str) -> None:
    defaults = key_defaults(schema)
    expected = auto_key_tables("kelurahan")
    assert expected and set(expected) <= set(defaults)
    for table in expected:
        # The column's type decides (auth's auto-created through table is bigint in the database
        # while the model says AutoField: Django's migration state uses DEFAULT_AUTO_FIELD).
        seq_name, _ = row_ids.AUTO_FIELDS[row_ids.KIND_OF_TYPE[defaults[table][0]]]
        assert defaults[table][1:] == (f"{schema}.{seq_name}", False), table
    assert not any(identity for _, _, identity in defaults.values())


@pytest.mark.django_db
def test_a_kelurahan_schema_has_one_sequence_per_key_type(tenants: TenantSet) -> None:
    for schema in (TEMPLATE, tenants.a.schema_name, tenants.kota.schema_name):
        found = sequences(schema)
        # Django's contrib apps keep integer keys: they get their own integer sequence
        # (Citus wants one type per sequence).
        assert {name: kind for name, (kind, _) in found.items()} == {"kk_row_id": "bigint", "kk_row_id_int": "integer"}
        assert_own_sequences(schema)


@pytest.mark.django_db
def test_the_public_schema_keeps_identity_columns() -> None:
    defaults = key_defaults("public")
    assert defaults["tenancy_tenant"] == ("int8", None, True)
    assert not set(sequences("public")) & set(row_ids.SEQUENCE_NAMES)


@pytest.mark.django_db
def test_ids_are_unique_across_tables_and_independent_per_schema(tenants: TenantSet) -> None:
    before_b = sequences(tenants.b.schema_name)["kk_row_id"][1]
    with tenants.a:
        records = DocumentCounter.objects.bulk_create([DocumentCounter(kind=f"k{i}", year=2026) for i in range(3)])
        rw = RukunWarga.objects.create(number=77)
        another = DocumentCounter.objects.create(kind="k9", year=2026)
    ids = [r.pk for r in records]
    assert all(isinstance(pk, int) for pk in ids)  # bulk_create reads the ids back
    assert ids == sorted(ids) and len({*ids, rw.pk, another.pk}) == 5
    assert ids[-1] < rw.pk < another.pk  # one counter for both tables
    assert sequences(tenants.a.schema_name)["kk_row_id"][1] == another.pk
    assert sequences(tenants.b.schema_name)["kk_row_id"][1] == before_b  # b's counter did not move
    with tenants.b:
        in_b = RukunWarga.objects.create(number=77)
    assert in_b.pk == (before_b or 0) + 1


@pytest.fixture
def scratch_model() -> Iterator[type[models.Model]]:
    with isolate_apps("apps.core") as registry:

        class Scratch(models.Model):
            id = models.BigAutoField(primary_key=True)
            label = models.CharField(max_length=20)

            class Meta:
                app_label = "core"
                db_table = "core_scratch_row_ids"

            def __str__(self) -> str:
                return self.label

        assert registry is not None
        yield Scratch


def _alter_id(model: type[models.Model], new: models.Field[Any, Any]) -> None:
    """Alter the key column as a migration would (the model keeps its declared field: the old
    field is always the BigAutoField)."""
    old = model._meta.get_field("id")
    new.set_attributes_from_name("id")
    new.model = model
    with connection.schema_editor() as editor:
        editor.alter_field(model, old, new)


@pytest.mark.django_db
def test_a_table_created_later_draws_from_the_schema_sequence(
    tenants: TenantSet, scratch_model: type[models.Model]
) -> None:
    schema = tenants.a.schema_name
    with tenants.a:
        with connection.schema_editor() as editor:
            editor.create_model(scratch_model)
        assert key_defaults(schema)["core_scratch_row_ids"] == ("int8", f"{schema}.kk_row_id", False)
        first = scratch_model.objects.create(label="a")
        rw = RukunWarga.objects.create(number=88)
        assert rw.pk > first.pk
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO core_scratch_row_ids (id, label) VALUES (%s, 'far')", [rw.pk + 500])
        # BigAutoField -> AutoField: the integer sequence takes over, past the rows already there.
        _alter_id(scratch_model, models.AutoField(primary_key=True))
        assert key_defaults(schema)["core_scratch_row_ids"] == ("int4", f"{schema}.kk_row_id_int", False)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO core_scratch_row_ids (label) VALUES ('next') RETURNING id")
            assert cursor.fetchone()[0] > rw.pk + 500
        # An auto key that stops being one loses its default.
        _alter_id(scratch_model, models.BigIntegerField(primary_key=True))
        assert key_defaults(schema)["core_scratch_row_ids"] == ("int8", None, False)
        with connection.schema_editor() as editor:
            editor.delete_model(scratch_model)
        assert {"kk_row_id", "kk_row_id_int"} <= set(sequences(schema))  # shared: never dropped with a table


@pytest.mark.django_db
def test_a_table_created_in_public_keeps_identity(scratch_model: type[models.Model]) -> None:
    connection.set_schema_to_public()
    with connection.schema_editor() as editor:
        editor.create_model(scratch_model)
    assert key_defaults("public")["core_scratch_row_ids"] == ("int8", None, True)


@pytest.mark.django_db
def test_identity_columns_are_converted_past_every_issued_id(tenants: TenantSet) -> None:
    schema = tenants.a.schema_name
    start = sequences(schema)["kk_row_id"][1] or 0
    with tenants.a, connection.cursor() as cursor:
        cursor.execute("CREATE TABLE old_ids (id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v int)")
        cursor.execute("CREATE TABLE old_small (id integer GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, v int)")
        cursor.execute("ALTER TABLE old_ids ALTER COLUMN id RESTART WITH %s", [start + 1000])
        cursor.execute("INSERT INTO old_ids (v) SELECT g FROM generate_series(1, 3) g")  # ids start+1000..+1002
        cursor.execute("DELETE FROM old_ids WHERE id = %s", [start + 1002])  # an id handed out, then deleted
        cursor.execute("INSERT INTO old_small (v) VALUES (1)")
        assert row_ids.convert_identity_columns(cursor, schema) == 2
        assert row_ids.convert_identity_columns(cursor, schema) == 0  # idempotent
        defaults = key_defaults(schema)
        assert defaults["old_ids"] == ("int8", f"{schema}.kk_row_id", False)
        assert defaults["old_small"] == ("int4", f"{schema}.kk_row_id_int", False)
        cursor.execute("INSERT INTO old_ids (v) VALUES (4) RETURNING id")
        assert cursor.fetchone()[0] == start + 1003
        assert set(sequences(schema)) == {"kk_row_id", "kk_row_id_int"}  # the identity sequences are gone


@pytest.mark.django_db
def test_sequence_reset_moves_the_shared_sequence_past_loaded_rows(tenants: TenantSet) -> None:
    with tenants.a:
        far = (sequences(tenants.a.schema_name)["kk_row_id"][1] or 0) + 10_000
        DocumentCounter.objects.create(pk=far, kind="far", year=2026)
        statements = connection.ops.sequence_reset_sql(no_style(), [DocumentCounter, RukunWarga])
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
        assert RukunWarga.objects.create(number=99).pk == far + 1
        with connection.cursor() as cursor:  # run again: never moves the sequence backwards
            for sql in statements:
                cursor.execute(sql)
        assert DocumentCounter.objects.create(kind="n", year=2026).pk == far + 2


@pytest.mark.django_db
@pytest.mark.parametrize("fast", [True, False], ids=["pg_dump", "clone_schema"])
def test_a_cloned_then_renamed_schema_uses_its_own_sequences(
    tenants: TenantSet, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    if not fast:  # no pg_dump at hand: django-tenants' clone_schema()
        monkeypatch.setattr(schemas, "_template_script", lambda tenant_type: None)
    clone = f"kk_ids_{uuid.uuid4().hex[:8]}"
    template_last = sequences(TEMPLATE)["kk_row_id"][1]
    with transaction.atomic():
        schemas.clone_template("kelurahan", clone)
        assert sequences(clone)["kk_row_id"][1] == template_last
        assert_own_sequences(clone)
        schemas.rename_schema(clone, f"{clone}_r")
        assert_own_sequences(f"{clone}_r")
        connection.set_schema(f"{clone}_r")
        rw = RukunWarga.objects.create(number=55)
        assert rw.pk == (template_last or 0) + 1
        assert sequences(TEMPLATE)["kk_row_id"][1] == template_last
        connection.set_schema_to_public()
        transaction.set_rollback(True)


def test_a_dump_restored_under_another_name_uses_its_own_sequences(committed: None, tmp_path: Path) -> None:
    """What a restore `--as` another code does to the schema dump of an archive."""
    target = f"kk_ids_restored_{uuid.uuid4().hex[:8]}"
    dump = tmp_path / "schema.dump"
    archives._pg_dump_schema(TEMPLATE, dump)
    try:
        restore.restore_schema(dump, TEMPLATE, target)
        assert_own_sequences(target)
        assert sequences(target)["kk_row_id"] == sequences(TEMPLATE)["kk_row_id"]
    finally:
        schemas.drop_schema(target)
