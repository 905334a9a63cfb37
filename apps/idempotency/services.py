"""Writes to the idempotency table across tenants (the records themselves are written by
`apps.core.idempotency.run_once` and `apps.tukang.whatsapp`, always in the current schema)."""

from __future__ import annotations

from datetime import datetime

from .models import IdempotencyRecord


def forget_schema(schema_name: str) -> int:
    """Delete every record of the tenant in `schema_name` (its removal: the rows were dropped
    with its schema before they moved to public; transient, so never archived or restored)."""
    deleted, _by_model = IdempotencyRecord.all_schemas.filter(schema_name=schema_name).delete()
    return deleted


def forget_older_than(cutoff: datetime) -> int:
    """Delete the records of every tenant (and the platform) made before `cutoff`: one indexed
    DELETE for all of them (`apps.core.idempotency.prune_records`)."""
    deleted, _by_model = IdempotencyRecord.all_schemas.filter(created_at__lt=cutoff).delete()
    return deleted
