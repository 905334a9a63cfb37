"""Optional PostgreSQL extensions (pg_trgm, unaccent).

Production and CI PostgreSQL ship them (postgresql-contrib); the embedded server a newcomer
gets without DATABASE_URL (pgserver) does not. Migrations install them and create trigram
indexes only where available, and search falls back to full text without typo tolerance.
"""

from __future__ import annotations

from typing import Any

from django.db import connection as default_connection

_INSTALLED: dict[str, bool] = {}


def install_if_available(connection: Any, name: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = %s", [name])
        if cursor.fetchone() is None:
            return False
        cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public")
    return True


def installed(name: str, connection: Any = default_connection) -> bool:
    """Whether extension `name` is installed in this database (cached per process)."""
    key = f"{connection.settings_dict.get('NAME')}:{name}"
    if key not in _INSTALLED:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = %s", [name])
            _INSTALLED[key] = cursor.fetchone() is not None
    return _INSTALLED[key]


def trigram_index_sql(table: str, column: str, index: str) -> str:
    return f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
