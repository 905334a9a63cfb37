"""Demand forecasts of a tenant's marketplace (tenant schema).

A `ForecastRun` is one forecast made at the start of a week (its `week`: the Monday of the first
forecast week), at most one per week: re-running it on demand replaces its rows. Each
`DemandForecast` row is the expected units of one shop and product category in one forecast week,
with the method that produced it (the model, or a fallback for a short history).

`MaterialRecipe` is the bill of materials staff keep per category (e.g. one portion of nasi pecel
needs 0.15 kg beras), which turns forecasts into raw-material needs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.marketplace.models import Category, Shop


class Method(models.TextChoices):
    XGBOOST = "xgboost", _("Model XGBoost")
    SEASONAL_NAIVE = "seasonal_naive", _("Minggu yang sama tahun lalu")
    RECENT_MEAN = "recent_mean", _("Rata-rata 4 minggu terakhir")


class ForecastRun(models.Model):
    class Status(models.TextChoices):
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")

    class Trigger(models.TextChoices):
        SCHEDULE = "schedule", _("Terjadwal")
        MANUAL = "manual", _("Diminta petugas")

    week = models.DateField(_("minggu pertama perkiraan"), unique=True)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.RUNNING)
    trigger = models.CharField(_("pemicu"), max_length=8, choices=Trigger.choices, default=Trigger.SCHEDULE)
    horizon = models.PositiveSmallIntegerField(_("jumlah minggu"), default=4)
    history_weeks = models.PositiveIntegerField(_("minggu riwayat"), default=0)
    series = models.PositiveIntegerField(_("jumlah deret"), default=0)
    model_series = models.PositiveIntegerField(_("deret dengan model"), default=0)
    notes = models.JSONField(_("catatan"), default=list, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    started_at = models.DateTimeField(_("mulai"), auto_now_add=True)
    finished_at = models.DateTimeField(_("selesai"), null=True, blank=True)

    class Meta:
        verbose_name = _("perhitungan perkiraan")
        verbose_name_plural = _("perhitungan perkiraan")
        ordering = ["-week"]
        constraints = [
            models.CheckConstraint(condition=Q(week__week_day=2), name="insights_run_week_is_monday"),
            models.CheckConstraint(condition=Q(model_series__lte=models.F("series")), name="insights_run_counts"),
        ]

    def __str__(self) -> str:
        return f"{self.week:%Y-%m-%d} ({self.get_status_display()})"

    @property
    def uses_fallback(self) -> bool:
        return self.model_series < self.series


class DemandForecast(models.Model):
    # Not indexed alone: the unique constraint "insights_forecast_once_per_week" leads with this column.
    run = models.ForeignKey(
        ForecastRun, on_delete=models.CASCADE, related_name="forecasts", db_index=False, verbose_name=_("perhitungan")
    )
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="+", verbose_name=_("toko"))
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="+", verbose_name=_("kategori")
    )
    week = models.DateField(_("minggu"))
    horizon = models.PositiveSmallIntegerField(_("minggu ke"))
    expected_units = models.DecimalField(_("perkiraan terjual"), max_digits=12, decimal_places=2)
    method = models.CharField(_("metode"), max_length=16, choices=Method.choices)
    history_weeks = models.PositiveIntegerField(_("minggu riwayat deret"))

    class Meta:
        verbose_name = _("perkiraan permintaan")
        verbose_name_plural = _("perkiraan permintaan")
        ordering = ["run", "shop_id", "category_id", "week"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "shop", "category", "week"],
                name="insights_forecast_once_per_week",
                nulls_distinct=False,
            ),
            models.CheckConstraint(condition=Q(expected_units__gte=0), name="insights_forecast_not_negative"),
            models.CheckConstraint(condition=Q(horizon__gte=1), name="insights_forecast_horizon_positive"),
        ]

    def __str__(self) -> str:
        # Names, not ids or slugs: staff read this in the admin (which joins shop and category).
        category = self.category.name if self.category else "—"
        return f"{self.shop.name} / {category} {self.week:%Y-%m-%d}: {self.expected_units}"


class MaterialRecipe(models.Model):
    # Not indexed alone: the unique constraint "insights_recipe_material_once" leads with this column.
    category = models.ForeignKey(
        Category, on_delete=models.CASCADE, related_name="+", verbose_name=_("kategori produk"), db_index=False
    )
    material = models.CharField(_("bahan baku"), max_length=80)
    unit = models.CharField(_("satuan"), max_length=16, default="kg")
    quantity_per_unit = models.DecimalField(_("kebutuhan per unit terjual"), max_digits=10, decimal_places=4)
    unit_price = models.BigIntegerField(_("harga per satuan (Rp)"), null=True, blank=True)

    class Meta:
        verbose_name = _("resep bahan baku")
        verbose_name_plural = _("resep bahan baku")
        ordering = ["category__name", "material"]
        constraints = [
            models.UniqueConstraint(fields=["category", "material"], name="insights_recipe_material_once"),
            models.CheckConstraint(condition=Q(quantity_per_unit__gt=0), name="insights_recipe_quantity_positive"),
            models.CheckConstraint(
                condition=Q(unit_price__isnull=True) | Q(unit_price__gte=0), name="insights_recipe_price_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category.name}: {self.quantity_per_unit} {self.unit} {self.material}"
