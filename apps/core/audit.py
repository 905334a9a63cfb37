"""The audit-trail base shared by the per-app event tables (order, delivery, procurement, permit,
loan events): who did it (`actor`) and when (`created_at`), written once and never edited.

Each app keeps its own table (its events point at its own rows and live in the tenant schema);
they inherit `AuditEvent` for the two common columns and write through `AuditEvent.record`,
which stores no anonymous/unsaved user as actor and makes the JSON details storable.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def actor_or_none(actor: Any) -> Any:
    """The user to store as actor: None for no user, an AnonymousUser or an unsaved user."""
    if actor is None or not getattr(actor, "is_authenticated", False) or getattr(actor, "pk", None) is None:
        return None
    return actor


def json_safe(data: Mapping[str, Any] | None) -> dict[str, Any]:
    """Event details as JSON: Decimal, dates, times and UUIDs as their text, nested dicts/lists kept."""

    def value(item: Any) -> Any:
        if isinstance(item, Decimal | dt.date | dt.time | uuid.UUID):
            return str(item)  # datetime is a date: ISO text with its offset
        if isinstance(item, Mapping):
            return {str(k): value(v) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [value(v) for v in item]
        return item

    return {str(k): value(v) for k, v in (data or {}).items()}


class AuditEvent(models.Model):
    """Who and when of one audit event; subclasses add what (action/kind, statuses, details)."""

    # No index: users are deactivated, never deleted (so the PROTECT check never scans this
    # column) and no page lists events by who did them; docs/design/schema-cost.md, step 4.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
        db_index=False,
    )
    created_at = models.DateTimeField(_("waktu"), default=timezone.now, db_index=True)

    class Meta:
        abstract = True
        ordering = ["created_at", "id"]

    @classmethod
    def record(cls, *, actor: Any = None, at: dt.datetime | None = None, **fields: Any) -> Self:
        """Write one event inside the caller's transaction (`at` defaults to now)."""
        if at is not None:
            fields["created_at"] = at
        if isinstance(fields.get("data"), Mapping):
            fields["data"] = json_safe(fields["data"])
        return cls._default_manager.create(actor=actor_or_none(actor), **fields)
