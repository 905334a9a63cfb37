"""apps.core.column_keys: a table keyed by a surrogate `id` plus a single-column UNIQUE becomes
keyed by that column, in place (rows kept, the admin's history following each row), idempotent,
and back; and the tables converted that way have exactly that shape (issue 17)."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps as django_apps
from django.db import IntegrityError, connection, transaction

from apps.core.audit import Event
from apps.core.column_keys import to_column_key
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db

TABLE = "kk_probe_keyed"


def _shape(table: str) -> dict[str, Any]:
    """Columns, the primary key (name, columns) and the other unique constraints/indexes."""
    with connection.cursor() as cursor:
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
        constraints = connection.introspection.get_constraints(cursor, table)
    (pkey,) = [(name, c["columns"]) for name, c in constraints.items() if c["primary_key"]]
    unique = sorted(
        (name, tuple(c["columns"])) for name, c in constraints.items() if c["unique"] and not c["primary_key"]
    )
    indexes = sorted(name for name, c in constraints.items() if c["index"] and not c["primary_key"])
    return {"columns": columns, "pkey": pkey, "unique": unique, "indexes": indexes}


def _rows(sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return list(cursor.fetchall())


def _run(operation: Any, *, backwards: bool = False) -> None:
    with connection.schema_editor() as editor:
        (operation.reverse_code if backwards else operation.code)(django_apps, editor)


def _history(model: str) -> list[tuple[int, str | None, str]]:
    return sorted(
        (e.subject_id, e.data.get("object_id"), e.data["repr"])
        for e in Event.objects.filter(subject_type="admin", data__model=model)
    )


def test_a_text_key_replaces_id_and_unique_in_place_and_back(tenant_a: Tenant) -> None:
    with tenant_a:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, code varchar(16) NOT NULL, n integer NOT NULL, "
                f"CONSTRAINT {TABLE}_code_once UNIQUE (code))"
            )
            cursor.execute(f"INSERT INTO {TABLE} VALUES (501, 'alpha', 1), (502, 'beta', 2), (503, 'gamma', 3)")
        for subject, label in ((501, "alpha edited"), (502, "beta edited"), (599, "a row deleted since")):
            Event.objects.create(
                subject_type="admin", subject_id=subject, action="change", data={"model": "x.probe", "repr": label}
            )
        Event.objects.create(
            subject_type="admin", subject_id=501, action="change", data={"model": "x.other", "repr": "other"}
        )
        operation = to_column_key(TABLE, "code", unique_name=f"{TABLE}_code_once", admin_model="x.probe")

        _run(operation)
        after = _shape(TABLE)
        assert after == {"columns": ["code", "n"], "pkey": (f"{TABLE}_pkey", ["code"]), "unique": [], "indexes": []}
        assert _rows(f"SELECT code, n FROM {TABLE} ORDER BY n") == [("alpha", 1), ("beta", 2), ("gamma", 3)]
        # The history follows each row to its text key (in `data`, as apps.core.admin_log names a
        # non-integer key); a deleted row's and another model's entries are left alone.
        assert _history("x.probe") == [
            (0, "alpha", "alpha edited"),
            (0, "beta", "beta edited"),
            (599, None, "a row deleted since"),
        ]
        assert _history("x.other") == [(501, None, "other")]
        with pytest.raises(IntegrityError, match=f"{TABLE}_pkey"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {TABLE} VALUES ('alpha', 9)")  # the key keeps it unique

        _run(operation)  # again: nothing left to do, nothing changes
        assert _shape(TABLE) == after

        _run(operation, backwards=True)
        before = _shape(TABLE)
        assert before["columns"] == ["code", "n", "id"]
        assert before["pkey"] == (f"{TABLE}_pkey", ["id"])
        assert before["unique"] == [(f"{TABLE}_code_once", ("code",))]
        ids = _rows(f"SELECT id FROM {TABLE}")
        assert len(ids) == 3 and len({i for (i,) in ids}) == 3 and all(i > 0 for (i,) in ids)  # fresh ids
        _run(operation, backwards=True)  # again: nothing changes
        assert _shape(TABLE) == before

        _run(operation)  # and forwards from there once more
        assert _shape(TABLE) == after


def test_an_integer_key_takes_the_admin_history_as_subject_id(tenant_a: Tenant) -> None:
    with tenant_a:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TABLE {TABLE} (id bigint PRIMARY KEY, owner_id bigint NOT NULL UNIQUE, n integer)")
            cursor.execute(f"INSERT INTO {TABLE} VALUES (701, 9001, 1), (702, 9002, 2)")
        Event.objects.create(
            subject_type="admin", subject_id=702, action="add", data={"model": "x.probe", "repr": "two"}
        )
        assert _shape(TABLE)["unique"] == [(f"{TABLE}_owner_id_key", ("owner_id",))]

        _run(to_column_key(TABLE, "owner_id", admin_model="x.probe"))

        assert _shape(TABLE) == {
            "columns": ["owner_id", "n"],
            "pkey": (f"{TABLE}_pkey", ["owner_id"]),
            "unique": [],
            "indexes": [],
        }
        assert _history("x.probe") == [(9002, None, "two")]
        _run(to_column_key(TABLE, "owner_id"), backwards=True)  # PostgreSQL's name for an inline UNIQUE
        assert _shape(TABLE)["unique"] == [(f"{TABLE}_owner_id_key", ("owner_id",))]


CONVERTED = {
    "rtrw.Residency": "user_id",
    "notifications.ChannelPreference": "user_id",
    "fulfillment.CourierEarning": "delivery_id",
    "permits.SlaRule": "status",
    "permits.PermitFee": "risk_level",
    "tukang.Conversation": "phone",
}


@pytest.mark.parametrize("label", sorted(CONVERTED))
def test_converted_tables_are_keyed_by_their_identity_alone(tenant_a: Tenant, label: str) -> None:
    model = django_apps.get_model(label)
    table, column = model._meta.db_table, CONVERTED[label]
    assert model._meta.pk.column == column
    with tenant_a:
        shape = _shape(table)
    assert "id" not in shape["columns"]
    assert shape["pkey"] == (f"{table}_pkey", [column])
    assert not [name for name, columns in shape["unique"] if columns == (column,)]  # no second index on the key
    assert not [name for name in shape["indexes"] if name.endswith("_like")]  # no varchar_pattern_ops copy
