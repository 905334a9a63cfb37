"""RT/RW units of a kelurahan, their heads, and where each warga lives."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class RukunWarga(models.Model):
    number = models.PositiveSmallIntegerField(_("nomor RW"), unique=True)
    ketua = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rw_led",
        verbose_name=_("ketua RW"),
    )

    class Meta:
        verbose_name = _("RW")
        verbose_name_plural = _("RW")
        ordering = ["number"]

    def __str__(self) -> str:
        return f"RW {self.number:02d}"


class RukunTetangga(models.Model):
    # Not indexed alone: the unique constraint "rt_unique_per_rw" leads with this column.
    rw = models.ForeignKey(
        RukunWarga, on_delete=models.PROTECT, related_name="rts", verbose_name=_("RW"), db_index=False
    )
    number = models.PositiveSmallIntegerField(_("nomor RT"))
    ketua = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rt_led",
        verbose_name=_("ketua RT"),
    )

    class Meta:
        verbose_name = _("RT")
        verbose_name_plural = _("RT")
        ordering = ["rw__number", "number"]
        constraints = [models.UniqueConstraint(fields=["rw", "number"], name="rt_unique_per_rw")]

    def __str__(self) -> str:
        return f"RT {self.number:02d}/RW {self.rw.number:02d}"


class Residency(models.Model):
    """The RT a user lives in (one per user: the user is the key, apps.core.column_keys)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="residency",
        verbose_name=_("pengguna"),
    )
    rt = models.ForeignKey(RukunTetangga, on_delete=models.PROTECT, related_name="residents", verbose_name=_("RT"))
    address = models.CharField(_("alamat"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("domisili")
        verbose_name_plural = _("domisili")

    def __str__(self) -> str:
        return f"{self.user} — {self.rt}"
