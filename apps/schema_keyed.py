"""What the public tables keyed by tenant schema share (sessions, idempotency records, the
outside services' sandboxes; issue 17): each row carries the schema it belongs to, and a tenant
reads only the rows of the schema its connection is set to.

A plain module under `apps`, not an app: it imports no app, so the lowest layer
(apps.idempotency) can use it as well as the apps above core.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models

PUBLIC_SCHEMA = "public"


def current_schema() -> str:
    """The schema the connection is set to (django-tenants' `connection.schema_name`)."""
    return str(getattr(connection, "schema_name", PUBLIC_SCHEMA) or PUBLIC_SCHEMA)


class CurrentSchemaManager(models.Manager[Any]):
    """Only the rows of the schema the connection is set to."""

    def get_queryset(self) -> models.QuerySet[Any]:
        return super().get_queryset().filter(schema_name=current_schema())
