"""Cart items, reservations, allocations and co-purchase counts are keyed by the pair that is
their identity (marketplace.0018, apps.core.pair_tables.to_pair_key): the migration keeps every
row both ways, gives back the named unique pair and no index the table never had, and each
table costs one pg_class row less (issue 17)."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps

from apps.core.db import connection
from apps.marketplace import services
from apps.marketplace.models import Allocation, CartItem, CoPurchase, Reservation
from tests.marketplace.conftest import Market, key

pytestmark = pytest.mark.django_db

MIGRATION = importlib.import_module(
    "apps.marketplace.migrations.0018_pair_keyed_cart_reservation_allocation_copurchase"
).Migration
PAIRS = {
    "marketplace_cartitem": ("buyer_id", "variant_id", "marketplace_cart_once_per_variant"),
    "marketplace_reservation": ("buyer_id", "stock_id", "marketplace_reservation_once"),
    "marketplace_allocation": ("line_id", "stock_id", "marketplace_allocation_once"),
    "marketplace_copurchase": ("product_id", "other_id", "marketplace_copurchase_pair"),
}
# The indexes besides the key, the same before and after.
OTHER_INDEXES = {
    "marketplace_cartitem": [["variant_id"]],
    "marketplace_reservation": [["reserved_until"], ["stock_id", "reserved_until"]],
    "marketplace_allocation": [["stock_id"]],
    "marketplace_copurchase": [["other_id"], ["product_id", "together", "other_id"]],
}


def _shape(table: str) -> dict[str, Any]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
        columns = [c.name for c in connection.introspection.get_table_description(cursor, table)]
    return {
        "columns": columns,
        "primary key": [c["columns"] for c in constraints.values() if c["primary_key"]],
        "unique": {name: c["columns"] for name, c in constraints.items() if c["unique"] and not c["primary_key"]},
        "indexes": sorted(c["columns"] for c in constraints.values() if c["index"] and not c["unique"]),
    }


def _rows(table: str) -> list[tuple[Any, ...]]:
    columns = [c for c in _shape(table)["columns"] if c != "id"]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(table)} ORDER BY 1, 2")
        return list(cursor.fetchall())


def _pg_class_rows() -> int:
    """The four tables with their indexes and TOAST tables, in the tenant's schema."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH t AS (
                SELECT t.oid, t.reltoastrelid FROM pg_class t JOIN pg_namespace n ON n.oid = t.relnamespace
                WHERE n.nspname = current_schema() AND t.relname = ANY(%s)
            )
            SELECT count(*) FROM pg_class c WHERE c.oid IN (
                SELECT oid FROM t
                UNION ALL SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT oid FROM t)
                UNION ALL SELECT reltoastrelid FROM t
                UNION ALL SELECT i.indexrelid FROM pg_index i WHERE i.indrelid IN (SELECT reltoastrelid FROM t))
            """,
            [list(PAIRS)],
        )
        return int(cursor.fetchone()[0])


def _migrate(direction: str) -> None:
    (operation,) = MIGRATION.operations
    steps = operation.database_operations
    with connection.cursor() as cursor:  # the rows just written: their deferred foreign-key checks now
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    with connection.schema_editor(atomic=False) as editor:
        for step in steps if direction == "forwards" else reversed(steps):
            (step.code if direction == "forwards" else step.reverse_code)(django_apps, editor)


def _fill(market: Market) -> None:
    services.place_and_pay(
        market.joko, [(market.nasi.pk, 2), (market.keripik.pk, 1)], idempotency_key=key(), payment_method="cod"
    )
    services.add_to_cart(market.andi, market.nasi.pk, 1)
    services.add_to_cart(market.andi, market.madumongso.pk, 2)
    services.reserve_cart(market.andi)


def test_the_four_tables_are_keyed_by_their_pair(market: Market) -> None:
    for table, (first, second, unique) in PAIRS.items():
        shape = _shape(table)
        assert "id" not in shape["columns"], table
        assert shape["primary key"] == [[first, second]], table
        assert unique not in shape["unique"] and not shape["unique"], table
        assert shape["indexes"] == OTHER_INDEXES[table], table


def test_the_migration_keeps_every_row_both_ways_and_saves_one_row_per_table(market: Market) -> None:
    _fill(market)
    assert CartItem.objects.count() == 2 and Reservation.objects.count() == 2
    assert Allocation.objects.count() == 2 and CoPurchase.objects.count() == 2  # nasi+keripik, both ways
    rows = {table: _rows(table) for table in PAIRS}
    pair_keyed = _pg_class_rows()

    _migrate("backwards")
    for table, (first, second, unique) in PAIRS.items():
        shape = _shape(table)
        assert shape["columns"][-1] == "id" and shape["primary key"] == [["id"]], table
        assert shape["unique"] == {unique: [first, second]}, table
        assert shape["indexes"] == OTHER_INDEXES[table], table  # none on `first` alone
        assert _rows(table) == rows[table], table
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(DISTINCT id), count(*) FROM {quote(table)}")
            assert cursor.fetchone() == (len(rows[table]), len(rows[table])), table
    assert _pg_class_rows() == pair_keyed + len(PAIRS)

    _migrate("forwards")
    for table in PAIRS:
        assert _rows(table) == rows[table], table
    assert _pg_class_rows() == pair_keyed
    test_the_four_tables_are_keyed_by_their_pair(market)


def test_a_cart_line_is_changed_and_removed_by_its_variant(market: Market) -> None:
    services.add_to_cart(market.joko, market.nasi.pk, 1)
    services.add_to_cart(market.joko, market.keripik.pk, 1)
    services.add_to_cart(market.andi, market.nasi.pk, 4)
    item = services.add_to_cart(market.joko, market.nasi.pk, 2)
    assert item.pk == (market.joko.pk, market.nasi.pk) and item.quantity == 3
    services.set_cart_quantity(market.joko, market.nasi.pk, 5)
    assert services.set_cart_quantity(market.joko, market.keripik.pk, 0) is None
    assert list(CartItem.objects.values_list("buyer_id", "variant_id", "quantity").order_by("buyer_id")) == sorted(
        [(market.joko.pk, market.nasi.pk, 5), (market.andi.pk, market.nasi.pk, 4)]
    )
