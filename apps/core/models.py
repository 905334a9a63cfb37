"""Models shared by every app (a table in every schema: apps.core is a tenant and public app)."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyRecord(models.Model):
    """The first answer to a POST sent with an `Idempotency-Key` (apps.core.idempotency).

    The unique constraint on (owner, key) is what makes a key single-use: a concurrent
    request with the same key waits on the index until the first one commits, then replays
    its answer (or is refused if its request differs). A check-then-insert could not do that.
    """

    owner = models.CharField(_("pemilik"), max_length=100)
    key = models.CharField(_("kunci idempotensi"), max_length=200)
    scope = models.CharField(_("operasi"), max_length=100)
    # sha256 of method, path and canonical body: the same key with another request is a 409.
    fingerprint = models.CharField(_("sidik permintaan"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("status HTTP"))
    # JSON text, not jsonb: jsonb reorders keys, and a replay must be the same body byte for byte.
    body = models.TextField(_("jawaban"), blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("catatan idempotensi")
        verbose_name_plural = _("catatan idempotensi")
        constraints = [models.UniqueConstraint(fields=["owner", "key"], name="core_idempotency_key_once")]
        indexes = [models.Index(fields=["created_at"], name="core_idempotency_created_idx")]

    def __str__(self) -> str:
        return f"{self.scope} {self.owner} {self.key}"


class DocumentCounter(models.Model):
    """The last number given to one kind of document in a year (apps.core.sequences)."""

    kind = models.CharField(_("jenis dokumen"), max_length=32)
    scope = models.CharField(_("lingkup"), max_length=32, blank=True, default="")
    year = models.PositiveSmallIntegerField(_("tahun"))
    last_value = models.PositiveIntegerField(_("nomor terakhir"), default=0)

    class Meta:
        verbose_name = _("nomor urut dokumen")
        verbose_name_plural = _("nomor urut dokumen")
        constraints = [models.UniqueConstraint(fields=["kind", "year", "scope"], name="core_counter_once")]

    def __str__(self) -> str:
        scope = f" {self.scope}" if self.scope else ""
        return f"{self.kind}{scope} {self.year}: {self.last_value}"


# The tenant admin's change history (a proxy of core_event), registered with this app's models.
from .admin_log import AdminLogEntry  # noqa: E402, F401
