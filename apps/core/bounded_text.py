"""Migration operation: a `text` column becomes `varchar(n)`, and the table loses its TOAST table.

PostgreSQL gives a table a TOAST table (and its index: 2 pg_class rows per tenant schema,
issue 17) whenever its widest possible row passes ~2 kB: any `text`/`jsonb` column, or
`varchar(n)` columns whose n × 4 bytes (UTF-8) add up past it. A TOAST table, once made, stays
until the table is rewritten. Django's own AlterField from TextField to CharField runs
`ALTER COLUMN … TYPE varchar(n)`, which fails on any longer value already stored; this
operation cuts such values to n characters with `USING left(col, n)`, which also rewrites the
table, so PostgreSQL drops the TOAST table the new row shape no longer needs. Plain ALTER
TABLE: it runs on a Citus distributed schema too.

Use it as the database half of a `SeparateDatabaseAndState` whose state half is the AlterField.
"""

from __future__ import annotations

from django.db import migrations


def to_bounded_varchar(table: str, column: str, max_length: int) -> migrations.RunSQL:
    return migrations.RunSQL(
        f'ALTER TABLE "{table}" ALTER COLUMN "{column}" '
        f'TYPE varchar({max_length}) USING left("{column}", {max_length})',
        reverse_sql=f'ALTER TABLE "{table}" ALTER COLUMN "{column}" TYPE text',
    )
