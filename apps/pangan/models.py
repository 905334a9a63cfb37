"""Reference food prices (harga pangan): a daily series per commodity and market area.

Public schema only (settings `_PUBLIC_ONLY`): a city's market prices are the same for all its
kelurahan, so no kelurahan schema pays for this table (issue 17). Tenant code reads it through
`apps.pangan.selectors` (the public schema is on every tenant's search path)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class FoodPrice(models.Model):
    area = models.CharField(_("wilayah pasar"), max_length=60)
    commodity = models.CharField(_("komoditas"), max_length=80)
    unit = models.CharField(_("satuan"), max_length=20)
    day = models.DateField(_("tanggal"))
    price = models.BigIntegerField(_("harga (Rp)"))

    class Meta:
        verbose_name = _("harga pangan")
        verbose_name_plural = _("harga pangan")
        ordering = ["-day", "commodity"]
        constraints = [
            # Also the index of "latest price of a commodity" (commodity, area, -day).
            models.UniqueConstraint(fields=["commodity", "area", "day"], name="pangan_price_once_per_day"),
            models.CheckConstraint(condition=Q(price__gt=0), name="pangan_price_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.commodity} {self.area} {self.day}: {self.price}"
