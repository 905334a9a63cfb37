"""Public-schema models: the national region list, tenants, their domains and provisioning."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin

from . import regions


class Region(models.Model):
    """One Kemendagri code (provinsi, kabupaten/kota, kecamatan, desa/kelurahan)."""

    class Level(models.IntegerChoices):
        PROVINSI = 1, _("Provinsi")
        KABUPATEN_KOTA = 2, _("Kabupaten/Kota")
        KECAMATAN = 3, _("Kecamatan")
        DESA_KELURAHAN = 4, _("Desa/Kelurahan")

    code = models.CharField(_("kode"), max_length=13, primary_key=True)
    name = models.CharField(_("nama"), max_length=120, db_index=True)
    level = models.PositiveSmallIntegerField(_("tingkat"), choices=Level.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children", db_constraint=False
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)

    class Meta:
        verbose_name = _("wilayah")
        verbose_name_plural = _("wilayah")
        ordering = ["code"]
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def kind(self) -> str:
        return regions.kind_of(self.code)

    @property
    def kind_label(self) -> str:
        return str(regions.KIND_LABELS[self.kind])


class Plan(models.TextChoices):
    KELURAHAN_PILOT = "kelurahan_pilot", _("Pilot kelurahan")
    CITY_SAAS = "city_saas", _("SaaS kota")


class Tenant(TenantMixin):
    """A kota/kabupaten or desa/kelurahan that runs on KotaKita in its own schema."""

    class Type(models.TextChoices):
        PUBLIC = "public", _("Platform")
        KOTA = "kota", _("Kota/Kabupaten")
        KELURAHAN = "kelurahan", _("Desa/Kelurahan")

    class Status(models.TextChoices):
        ACTIVE = "active", _("Aktif")
        SUSPENDED = "suspended", _("Ditangguhkan")
        # Being removed (services.remove_tenant): reads are served, writes answer 423.
        ARCHIVING = "archiving", _("Sedang diarsipkan")

    # Schemas are created by apps.tenancy.provisioning (from a pre-built pool or a clone
    # of the type's template), never by django-tenants' save().
    auto_create_schema = False

    tenant_type = models.CharField(_("jenis"), max_length=16, choices=Type.choices)
    region = models.OneToOneField(
        Region, null=True, blank=True, on_delete=models.PROTECT, related_name="tenant", verbose_name=_("wilayah")
    )
    name = models.CharField(_("nama"), max_length=150)
    slug = models.SlugField(_("subdomain"), max_length=63, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="children",
        verbose_name=_("kota induk"),
    )
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    plan = models.CharField(_("paket"), max_length=32, choices=Plan.choices, default=Plan.KELURAHAN_PILOT)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    status_reason = models.CharField(_("alasan status"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("tenant")
        verbose_name_plural = _("tenant")
        ordering = ["region_id", "schema_name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_public(self) -> bool:
        return self.tenant_type == self.Type.PUBLIC

    @property
    def is_suspended(self) -> bool:
        return self.status == self.Status.SUSPENDED

    @property
    def is_archiving(self) -> bool:
        return self.status == self.Status.ARCHIVING

    def url(self, path: str = "/") -> str:
        domain = self.get_primary_domain()
        host = domain.domain if domain else settings.KOTAKITA_BASE_DOMAIN
        return absolute_url(host, path)


def absolute_url(host: str, path: str = "/") -> str:
    port = f":{settings.KOTAKITA_URL_PORT}" if settings.KOTAKITA_URL_PORT else ""
    return f"{settings.KOTAKITA_URL_SCHEME}://{host}{port}{path}"


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domain")
        verbose_name_plural = _("domain")


class PooledSchema(models.Model):
    """A migrated, empty tenant schema waiting to be renamed into a new tenant's schema.

    `fingerprint` is the migration state the schema was built at; an entry whose fingerprint
    differs from the template's current one is stale and is dropped instead of handed out.
    """

    schema_name = models.CharField(max_length=63, unique=True)
    tenant_type = models.CharField(max_length=16, choices=Tenant.Type.choices)
    fingerprint = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("skema cadangan")
        verbose_name_plural = _("skema cadangan")
        indexes = [models.Index(fields=["tenant_type", "fingerprint", "id"])]

    def __str__(self) -> str:
        return self.schema_name


class ActivationJob(models.Model):
    """A bulk activation; re-running it skips regions that are already tenants."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        INTERRUPTED = "interrupted", _("Terhenti")

    scope = models.CharField(_("cakupan"), max_length=13, help_text=_("Kode kecamatan/kota/provinsi"))
    codes = models.JSONField(default=list)
    total = models.PositiveIntegerField(default=0)
    done = models.PositiveIntegerField(default=0)
    failed = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # Platform users are never deleted (only deactivated). No cascade and no DB constraint:
    # a tenant schema's user with the same id must never reach these public rows.
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Written after every region while running; the stale-job sweep (apps.jobs) requeues a
    # running job whose heartbeat is older than JOBS_ACTIVATION_STALE_SECONDS (worker killed).
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("aktivasi massal")
        verbose_name_plural = _("aktivasi massal")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.scope} ({self.done}/{self.total})"


class TenantArchive(models.Model):
    """The archive of a removed tenant (apps.tenancy.archives: schema dump, public rows and
    files in one tar.gz), written before the schema was dropped."""

    code = models.CharField(max_length=13)
    name = models.CharField(max_length=150)
    schema_name = models.CharField(max_length=63)
    tenant_type = models.CharField(max_length=16, choices=Tenant.Type.choices)
    path = models.CharField(max_length=500)
    size_bytes = models.BigIntegerField()
    sha256 = models.CharField(max_length=64)
    removed_by = models.ForeignKey(  # see ActivationJob.created_by
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    reason = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("arsip tenant")
        verbose_name_plural = _("arsip tenant")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} {self.name} ({self.created_at:%Y-%m-%d})"


class DemoSeed(models.Model):
    """`manage.py seed_demo` bookkeeping: one row per schema whose demo data is complete at
    `version`. Written only after every demo module of that schema has finished, so an
    interrupted seed is redone (the modules are idempotent) and a complete one is skipped."""

    schema_name = models.CharField(max_length=63, unique=True)
    version = models.PositiveIntegerField()
    seeded_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("data demo")
        verbose_name_plural = _("data demo")

    def __str__(self) -> str:
        return f"{self.schema_name} v{self.version}"
