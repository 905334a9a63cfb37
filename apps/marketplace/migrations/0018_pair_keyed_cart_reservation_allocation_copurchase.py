"""Cart items, reservations, allocations and co-purchase counts are keyed by the pair that
always was their identity (CompositePrimaryKey): in place, rows kept; the id column, its
primary key and the unique pair constraint go (apps.core.pair_tables), one pg_class row fewer
per table and tenant schema (issue 17). No index on a key's first column existed (the unique
pair served it); the indexes on the second columns, the reservation's (stock, reserved_until)
and (reserved_until) and the co-purchase ranking stay."""

from typing import Any

from django.db import migrations, models

from apps.core import pair_tables

# (model, table, first, second, the unique constraint the key replaces)
PAIRS = [
    ("cartitem", "marketplace_cartitem", "buyer_id", "variant_id", "marketplace_cart_once_per_variant"),
    ("reservation", "marketplace_reservation", "buyer_id", "stock_id", "marketplace_reservation_once"),
    ("allocation", "marketplace_allocation", "line_id", "stock_id", "marketplace_allocation_once"),
    ("copurchase", "marketplace_copurchase", "product_id", "other_id", "marketplace_copurchase_pair"),
]


def _state(model: str, first: str, second: str, unique: str) -> list[Any]:
    return [
        migrations.RemoveConstraint(model_name=model, name=unique),
        migrations.RemoveField(model_name=model, name="id"),
        migrations.AddField(
            model_name=model,
            name="pk",
            field=models.CompositePrimaryKey(
                first, second, blank=True, editable=False, primary_key=True, serialize=False
            ),
        ),
    ]


class Migration(migrations.Migration):
    dependencies = [
        ("marketplace", "0017_bounded_text_no_toast"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterModelOptions(
                    name="allocation",
                    options={
                        "ordering": ["line_id", "stock_id"],
                        "verbose_name": "alokasi stok",
                        "verbose_name_plural": "alokasi stok",
                    },
                ),
                migrations.AlterModelOptions(
                    name="cartitem",
                    options={
                        "ordering": ["added_at", "variant_id"],
                        "verbose_name": "isi keranjang",
                        "verbose_name_plural": "isi keranjang",
                    },
                ),
                *(op for model, _table, first, second, unique in PAIRS for op in _state(model, first, second, unique)),
            ],
            database_operations=[
                pair_tables.to_pair_key(table, first, second, unique_name=unique, first_index=False)
                for _model, table, first, second, unique in PAIRS
            ],
        ),
    ]
