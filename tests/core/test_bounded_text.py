"""apps.core.bounded_text: a text column becomes varchar(n), longer values are cut instead of
failing the migration, and the rewrite drops the TOAST table the row no longer needs."""

from __future__ import annotations

import pytest
from django.db import connection

from apps.core.bounded_text import to_bounded_varchar
from apps.tenancy.schemas import template_schema

pytestmark = pytest.mark.django_db


def _has_toast(table: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltoastrelid <> 0 FROM pg_class WHERE oid = %s::regclass", [table])
        return bool(cursor.fetchone()[0])


def test_a_text_column_is_cut_to_its_bound_and_the_table_loses_its_toast_table() -> None:
    table = "kk_bounded_probe"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE {table} (id bigint PRIMARY KEY, note text NOT NULL)")
        cursor.execute(f"INSERT INTO {table} VALUES (1, repeat('é', 700)), (2, 'pendek')")
    assert _has_toast(table)
    with connection.schema_editor(atomic=True) as editor:
        to_bounded_varchar(table, "note", 400).database_forwards("core", editor, None, None)  # type: ignore[arg-type]
    assert not _has_toast(table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, char_length(note) FROM {table} ORDER BY id")
        assert cursor.fetchall() == [(1, 400), (2, 6)]
        cursor.execute(f"DROP TABLE {table}")


@pytest.mark.parametrize(
    "table", ["marketplace_review", "fulfillment_routingjob", "payments_reconciliationrun", "procurement_award"]
)
def test_the_bounded_tables_of_a_kelurahan_schema_have_no_toast_table(table: str) -> None:
    assert not _has_toast(f"{template_schema('kelurahan')}.{table}")
