"""Models shared by every app (a table in every schema: apps.core is a tenant and public app)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


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
