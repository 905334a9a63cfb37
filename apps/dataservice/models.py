"""Data-as-a-Service (public schema): integrator accounts, their API keys, quotas, metered
usage, and the differential-privacy state shared by all integrators: budgets per indicator
family, the ledger of epsilon spent, and the noisy values already released.

Only aggregates of `apps.analytics.models.DailyFact` are ever served; nothing here points into a
tenant's schema.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.api_keys import ApiKeyBase


class Partner(models.Model):
    """An integrator (a Bappeda, a bank, a researcher): the owner of API keys. Privacy does not
    rest on telling integrators apart (they may collude): budgets are shared by all."""

    name = models.CharField(_("nama mitra"), max_length=150, unique=True)
    contact_email = models.EmailField(_("e-mail kontak"), blank=True)
    active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("mitra data")
        verbose_name_plural = _("mitra data")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ApiKey(ApiKeyBase):
    """One data API key of a partner, in the public schema (apps.core.api_keys explains the idiom
    and why this table is not the Open311 one). Its prefix is unique: operators revoke by it."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("mitra"))
    prefix = models.CharField(_("awalan"), max_length=16, unique=True, editable=False)
    # Indicator families this key may read (apps.dataservice.indicators.FAMILIES).
    scopes = ArrayField(models.CharField(max_length=32), verbose_name=_("cakupan"), default=list)
    # Kemendagri codes; the key may read a region only when it lies inside one of them.
    region_prefixes = ArrayField(
        models.CharField(max_length=13), verbose_name=_("wilayah yang diizinkan"), default=list
    )
    per_minute = models.PositiveIntegerField(_("kuota per menit"), default=60)
    per_day = models.PositiveIntegerField(_("kuota per hari"), default=5000)
    expires_at = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)

    class Meta:
        verbose_name = _("kunci API data")
        verbose_name_plural = _("kunci API data")
        ordering = ["partner__name", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(per_minute__gte=1), name="dataservice_key_per_minute_positive"),
            models.CheckConstraint(condition=models.Q(per_day__gte=1), name="dataservice_key_per_day_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.partner} — {self.name} ({self.prefix}…)"

    def is_usable(self) -> bool:
        if not super().is_usable() or not self.partner.active:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()


class UsageDay(models.Model):
    """Metered use of one key on one (Asia/Jakarta) day, for billing and the operator."""

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="usage", verbose_name=_("kunci API"))
    day = models.DateField(_("tanggal"))
    requests = models.PositiveIntegerField(_("permintaan"), default=0)
    rows = models.PositiveIntegerField(_("baris"), default=0)
    cells = models.PositiveIntegerField(_("sel dirilis"), default=0)
    suppressed_cells = models.PositiveIntegerField(_("sel disembunyikan"), default=0)
    throttled = models.PositiveIntegerField(_("ditolak kuota"), default=0)

    class Meta:
        verbose_name = _("pemakaian harian")
        verbose_name_plural = _("pemakaian harian")
        ordering = ["-day", "api_key"]
        constraints = [models.UniqueConstraint(fields=["api_key", "day"], name="dataservice_usage_one_per_key_day")]

    def __str__(self) -> str:
        return f"{self.api_key.prefix} {self.day}: {self.requests}"


class QuotaWindow(models.Model):
    """Database fallback of the quota counters (Redis holds them when REDIS_URL is set)."""

    class Period(models.TextChoices):
        MINUTE = "minute", _("menit")
        DAY = "day", _("hari")

    api_key = models.ForeignKey(ApiKey, on_delete=models.CASCADE, related_name="quota_windows")
    period = models.CharField(max_length=8, choices=Period.choices)
    starts_at = models.DateTimeField()
    used = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["api_key", "period", "starts_at"], name="dataservice_quota_one_window")
        ]

    def __str__(self) -> str:
        return f"{self.api_key_id} {self.period} {self.starts_at}: {self.used}"


class PrivacyBudget(models.Model):
    """The operator's differential-privacy budget of one indicator family: what one release of a
    group of cells spends, and how much may be spent per month and budget region in total, by
    all partners together."""

    family = models.CharField(_("keluarga indikator"), max_length=32, unique=True)
    epsilon_per_release = models.FloatField(
        _("epsilon per rilis"),
        default=0.5,
        validators=[MinValueValidator(0.01), MaxValueValidator(10.0)],
        help_text=_("Dibelanjakan sekali untuk setiap sel (atau rincian) baru; makin kecil makin banyak derau."),
    )
    epsilon_per_period = models.FloatField(
        _("epsilon per bulan dan wilayah"),
        default=20.0,
        validators=[MinValueValidator(0.01), MaxValueValidator(1000.0)],
        help_text=_("Anggaran bersama semua mitra untuk satu bulan data di satu wilayah anggaran."),
    )
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("anggaran privasi")
        verbose_name_plural = _("anggaran privasi")
        ordering = ["family"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(epsilon_per_release__gt=0)
                & models.Q(epsilon_per_period__gte=models.F("epsilon_per_release")),
                name="dataservice_budget_release_within_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family}: {self.epsilon_per_release} / {self.epsilon_per_period}"


class BudgetSpend(models.Model):
    """The privacy-loss ledger: epsilon already spent on one month of one family's data in one
    budget region (a kecamatan, or a kota/province for entities attached there)."""

    family = models.CharField(_("keluarga indikator"), max_length=32)
    region_code = models.CharField(_("wilayah anggaran"), max_length=13)
    period = models.DateField(_("bulan"))  # first day of the month
    spent = models.FloatField(_("epsilon terpakai"), default=0.0)
    releases = models.PositiveIntegerField(_("jumlah rilis"), default=0)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("pemakaian anggaran privasi")
        verbose_name_plural = _("pemakaian anggaran privasi")
        ordering = ["-period", "family", "region_code"]
        constraints = [
            models.UniqueConstraint(fields=["family", "region_code", "period"], name="dataservice_spend_one_per_cell"),
            models.CheckConstraint(condition=models.Q(spent__gte=0), name="dataservice_spend_non_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.region_code} {self.period:%Y-%m}: {self.spent:g}"


class ReleasedValue(models.Model):
    """A noisy value once released, returned unchanged to every later request of any partner
    for the same cell (indicator, region, dimension value, period bucket): repeating a query
    spends nothing and averages nothing away."""

    indicator = models.CharField(_("indikator"), max_length=64)
    region_code = models.CharField(_("kode wilayah"), max_length=13)
    dimension = models.CharField(_("rincian"), max_length=64, blank=True, default="")
    period_start = models.DateField(_("awal periode"))
    period_end = models.DateField(_("akhir periode"))
    value = models.FloatField(_("nilai berderau"), null=True, blank=True)
    error_95 = models.FloatField(_("batas galat 95%"), null=True, blank=True)
    epsilon = models.FloatField(_("epsilon"))
    mechanism = models.CharField(_("mekanisme"), max_length=64)
    partner = models.ForeignKey(
        Partner,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("diminta pertama oleh"),
    )
    released_at = models.DateTimeField(_("dirilis"), auto_now_add=True)

    class Meta:
        verbose_name = _("nilai yang sudah dirilis")
        verbose_name_plural = _("nilai yang sudah dirilis")
        ordering = ["-released_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region_code", "dimension", "period_start", "period_end"],
                name="dataservice_released_value_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.region_code}/{self.dimension} {self.period_start}..{self.period_end}"
