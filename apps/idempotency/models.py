"""The one table of `Idempotency-Key` records of all tenants (public schema)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.schema_keyed import CurrentSchemaManager, current_schema


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key` (apps.core.idempotency), or a
    WhatsApp message id seen once (apps.tukang.whatsapp, owner "whatsapp").

    The unique constraint on (schema_name, owner, key) is what makes a key single-use in its
    tenant: a concurrent request with the same key waits on the index until the first one
    commits, then replays its answer (or is refused if its request differs). A check-then-insert
    could not do that. `objects` sees only the current schema's records and `save()` writes the
    current schema, so tenant A's key never replays on tenant B; `all_schemas` (the purge of every
    tenant's old keys, a removed tenant's keys) sees the whole table.
    """

    schema_name = models.CharField(_("skema tenant"), max_length=63, editable=False)
    owner = models.CharField(_("pemilik"), max_length=100)
    key = models.CharField(_("kunci idempotensi"), max_length=200)
    scope = models.CharField(_("operasi"), max_length=100)
    # sha256 of method, path and canonical body: the same key with another request is a 409.
    fingerprint = models.CharField(_("sidik permintaan"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status HTTP"))
    # JSON text, not jsonb: jsonb reorders keys, and a replay must be the same body byte for byte.
    body = models.TextField(_("jawaban"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    objects = CurrentSchemaManager()
    all_schemas = models.Manager()  # noqa: DJ012 - a second manager (purge, removal), after the default

    class Meta:
        verbose_name = _("catatan idempotensi")
        verbose_name_plural = _("catatan idempotensi")
        constraints = [
            # Also the index of every lookup: by schema (a removed tenant's keys), schema and
            # owner (WhatsApp's repair), and the full key.
            models.UniqueConstraint(fields=["schema_name", "owner", "key"], name="idempotency_key_once"),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created_idx")]  # the purge

    def __str__(self) -> str:
        return f"{self.scope} {self.owner} {self.key}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self.schema_name:
            self.schema_name = current_schema()
        super().save(*args, **kwargs)
