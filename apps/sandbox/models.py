"""What the local sandboxes of outside services keep: one public table per service, every row
keyed by the tenant schema it belongs to (`schema_name`).

They used to be one table per service in every tenant schema (17 `pg_class` rows per kelurahan
schema, issue 17). Here a tenant only ever sees its own rows: the default manager `objects`
filters by the connection's current schema (so the tenant admin, whose search_path includes
public, lists only its own), `save()` refuses a row of another schema, and callers go through
`apps.sandbox.services` / `apps.sandbox.selectors`, never a queryset of their own. Only the
platform (tenant archive and removal, on the public schema) uses `all_schemas`.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.schema_keyed import PUBLIC_SCHEMA, CurrentSchemaManager, current_schema


class WrongSchema(RuntimeError):
    """A sandbox row written from another tenant's schema (a programming error)."""


class SandboxRow(models.Model):
    schema_name = models.CharField(_("skema tenant"), max_length=63, editable=False)

    objects = CurrentSchemaManager()
    all_schemas = models.Manager()  # noqa: DJ012 - a second manager (the platform), after the default

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        schema = current_schema()
        if not self.schema_name:
            self.schema_name = schema
        if schema != PUBLIC_SCHEMA and self.schema_name != schema:
            raise WrongSchema(f"sandbox row of {self.schema_name!r} saved from {schema!r}")
        if self.schema_name == PUBLIC_SCHEMA:
            raise WrongSchema("sandbox rows belong to a tenant schema, not public")
        super().save(*args, **kwargs)


class SandboxTransaction(SandboxRow):
    """The local sandbox gateway's own book (it plays the role of Midtrans in the demo)."""

    order_id = models.CharField(max_length=50, verbose_name=_("ID pesanan"))
    transaction_id = models.UUIDField(default=uuid.uuid4, editable=False)
    gross_amount = models.BigIntegerField(verbose_name=_("jumlah kotor"))
    # apps.payments.models.ChargeStatus values (this app sits below payments: no choices here)
    status = models.CharField(max_length=20, default="pending")
    qr_string = models.TextField(blank=True)
    refunded_amount = models.BigIntegerField(default=0, verbose_name=_("jumlah dikembalikan"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("transaksi sandbox")
        verbose_name_plural = _("transaksi sandbox")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["schema_name", "order_id"], name="sandbox_transaction_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} ({self.status})"


class SandboxNib(SandboxRow):
    """What the sandbox OSS knows: NIBs registered through it (or seeded by staff)."""

    nib = models.CharField(max_length=13, verbose_name=_("NIB"))
    nik_digest = models.CharField(max_length=64, blank=True)
    business_name = models.CharField(max_length=200, verbose_name=_("nama usaha"))
    kbli_codes = models.JSONField(default=list, verbose_name=_("kode KBLI"))
    status = models.CharField(max_length=16, default="aktif")
    issued_on = models.DateField(default=timezone.localdate, verbose_name=_("terbit pada"))

    class Meta:
        verbose_name = _("NIB sandbox")
        verbose_name_plural = _("NIB sandbox")
        indexes = [models.Index(fields=["schema_name", "nik_digest"], name="sandbox_nib_nik_digest")]
        constraints = [models.UniqueConstraint(fields=["schema_name", "nib"], name="sandbox_nib_unique")]

    def __str__(self) -> str:
        return f"{self.nib} {self.business_name}"


class SandboxDelivery(SandboxRow):
    """What the sandbox notification channels would have sent."""

    # apps.notifications.models.Channel values
    channel = models.CharField(max_length=16, verbose_name=_("kanal"))
    address = models.CharField(max_length=254, verbose_name=_("alamat"))
    title = models.CharField(max_length=200, verbose_name=_("judul"))
    body = models.TextField()
    url = models.CharField(max_length=500, blank=True)
    payload = models.JSONField(null=True, blank=True)  # the interactive WhatsApp message, as it would go out
    idempotency_key = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))

    class Meta:
        verbose_name = _("kiriman sandbox")
        verbose_name_plural = _("kiriman sandbox")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["schema_name", "channel", "idempotency_key"], name="sandbox_delivery_once_per_schema"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}"
