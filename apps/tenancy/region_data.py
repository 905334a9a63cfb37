"""Load the national region list (apps/tenancy/data/regions.csv.gz) into the public schema."""

from __future__ import annotations

import csv
import gzip
from pathlib import Path
from typing import Any

from . import regions

DATA_FILE = Path(__file__).parent / "data" / "regions.csv.gz"


def read_rows(path: Path = DATA_FILE) -> list[tuple[str, str, int, str | None, str | None, str | None]]:
    rows = []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        for record in csv.DictReader(handle):
            code = record["kode"]
            rows.append(
                (
                    code,
                    record["nama"],
                    int(record["level"]),
                    regions.parent_code(code),
                    record["lat"] or None,
                    record["lng"] or None,
                )
            )
    return rows


def load_regions(connection: Any, table: str = "tenancy_region") -> int:
    """Upsert every region with COPY into a temporary table (about a second for 91,599 rows)."""
    rows = read_rows()
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE region_load (code text, name text, level int, parent text, lat numeric, lng numeric)"
            " ON COMMIT DROP"
        )
        with cursor.cursor.copy("COPY region_load FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} (code, name, level, parent_id, lat, lng) "
            "SELECT code, name, level, parent, lat, lng FROM region_load "
            "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, "
            "parent_id = EXCLUDED.parent_id, lat = EXCLUDED.lat, lng = EXCLUDED.lng"
        )
        cursor.execute("DROP TABLE region_load")
    return len(rows)
