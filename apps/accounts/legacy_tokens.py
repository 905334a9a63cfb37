"""Move DRF's clear-text `authtoken_token` keys of one schema into hashed ApiToken rows.

Used by migration 0004 in every schema. Each old key keeps working (same string, now only as
a SHA-256 digest, prefix = its first 8 characters) until API_TOKEN_TTL_DAYS after the move.
Then the old table is dropped, so no clear-text key remains, and its migration records go,
so the app could be installed afresh later. Schema-qualified throughout: django-tenants puts
`public` on the search path after a tenant's schema, and public's table must never be read
while migrating a tenant.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

LEGACY_NAME = "token lama (dipindahkan)"


def move_legacy_tokens(connection: Any, schema: str) -> int:
    """Copy, then drop, `schema`.authtoken_token; returns how many keys were moved."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = %s AND table_name = 'authtoken_token'",
            [schema],
        )
        if cursor.fetchone() is None:
            return 0
        days = int(getattr(settings, "API_TOKEN_TTL_DAYS", 0) or 0)
        cursor.execute(
            f"INSERT INTO {quote(schema)}.accounts_apitoken"
            " (user_id, name, prefix, digest, created_at, expires_at)"
            " SELECT user_id, %s, left(key, 8), encode(sha256(convert_to(key, 'UTF8')), 'hex'), created,"
            " CASE WHEN %s > 0 THEN now() + make_interval(days => %s) END"
            f" FROM {quote(schema)}.authtoken_token"
            " ON CONFLICT (digest) DO NOTHING",
            [LEGACY_NAME, days, days],
        )
        moved = cursor.rowcount
        cursor.execute(f"DROP TABLE {quote(schema)}.authtoken_token")
        cursor.execute(f"DELETE FROM {quote(schema)}.django_migrations WHERE app = 'authtoken'")
    return int(moved)
