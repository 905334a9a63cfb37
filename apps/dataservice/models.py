"""Data-as-a-Service (public schema): integrator accounts, their API keys, quotas, metered
usage and the cells already released to each integrator (for the differencing auditor).

Only aggregates of `apps.analytics.models.DailyFact` are ever served; nothing here points into a
tenant's schema.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    """An integrator (a Bappeda, a bank, a researcher): the owner of API keys and the unit of
    auditing, so that its several keys cannot be combined to difference released cells."""

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

    @property
    def requester(self) -> str:
        """Identity under which released cells are audited."""
        return f"partner:{self.pk}"


class ApiKey(models.Model):
    """One API key. The raw key is shown once at creation; only its SHA-256 digest is kept and
    the first characters (`prefix`) are used to find the row."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="api_keys", verbose_name=_("mitra"))
    name = models.CharField(_("nama kunci"), max_length=100)
    prefix = models.CharField(_("awalan"), max_length=16, unique=True, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    # Indicator families this key may read (apps.dataservice.indicators.FAMILIES).
    scopes = ArrayField(models.CharField(max_length=32), verbose_name=_("cakupan"), default=list)
    # Kemendagri codes; the key may read a region only when it lies inside one of them.
    region_prefixes = ArrayField(
        models.CharField(max_length=13), verbose_name=_("wilayah yang diizinkan"), default=list
    )
    per_minute = models.PositiveIntegerField(_("kuota per menit"), default=60)
    per_day = models.PositiveIntegerField(_("kuota per hari"), default=5000)
    expires_at = models.DateTimeField(_("kedaluwarsa"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True, editable=False)

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
        if self.revoked_at is not None or not self.partner.active:
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


class ReleasedCell(models.Model):
    """A cell already released to a requester (`AuditStore` of apps.analytics.privacy)."""

    requester = models.CharField(max_length=64)
    measure = models.CharField(max_length=200)
    key = models.CharField(max_length=200)
    entity_keys = ArrayField(models.BigIntegerField(), default=list)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    released_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("sel yang sudah dirilis")
        verbose_name_plural = _("sel yang sudah dirilis")
        indexes = [models.Index(fields=["requester", "measure"], name="dataservice_released_lookup")]

    def __str__(self) -> str:
        return f"{self.requester} {self.measure} {self.key}"
