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
    # The kelurahan/kota boundary, a GeoJSON Polygon/MultiPolygon in WGS84 (apps.core.geo.clean_boundary);
    # without it, "inside the area" falls back to a circle around lat/lng.
    boundary = models.JSONField(_("batas wilayah (GeoJSON)"), null=True, blank=True, editable=False)
    # The kantor's contact on the public profile page and in the admin's set-up checklist; edited
    # by the tenant's own admins (/wilayah/kantor/, services.set_office_contact). On the tenant
    # row, not a tenant table: one column set for all.
    office_address = models.CharField(_("alamat kantor"), max_length=255, blank=True)
    office_phone = models.CharField(_("telepon kantor"), max_length=30, blank=True)
    office_email = models.EmailField(_("e-mail kantor"), blank=True)
    office_hours = models.CharField(_("jam pelayanan"), max_length=150, blank=True)
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


class OperatorJob(models.Model):
    """Who started a platform job and when it ran. `heartbeat_at` is written while it runs (an
    activation job after every region; a tenant operation by a thread of its worker every few
    seconds, even while pg_dump blocks); the stale-job sweep (apps.jobs.stale) queues again a
    running job whose heartbeat is too old (worker killed)."""

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
    heartbeat_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class ActivationJob(OperatorJob):
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

    class Meta:
        verbose_name = _("aktivasi massal")
        verbose_name_plural = _("aktivasi massal")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.scope} ({self.done}/{self.total})"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 100


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


# The steps of a tenant archive/restore job (apps.tenancy.operations), as the page shows them.
TENANT_JOB_STEPS = {
    "claimed": _("Dimulai"),
    "pg_dump": _("Membuat dump skema"),
    "public rows": _("Baris publik: fakta harian, listing, tagihan"),
    "files": _("Berkas: foto dan dokumen"),
    "written": _("Arsip tertulis"),
    "drop": _("Menghapus skema"),
    "cleanup": _("Menghapus berkas tersimpan"),
    "verify": _("Membuka arsip"),
    "checksums": _("Memeriksa checksum"),
    "schema": _("Memulihkan skema"),
    "restored": _("Tenant dipulihkan"),
    "check": _("Memeriksa node tujuan"),
    "copy": _("Menyalin data ke node tujuan"),
    "catch up": _("Menyusul perubahan terbaru"),
    "switch": _("Mengalihkan tenant ke node tujuan"),
    "moved": _("Tenant dipindahkan"),
    "provision": _("Menyiapkan skema, domain dan admin"),
    "activated": _("Tenant aktif"),
    "done": _("Selesai"),
}


class TenantOperationJob(OperatorJob):
    """Archiving (then removing) a tenant, restoring one from its archive, or moving one to another
    database node, as a background job (apps.tenancy.operations, apps.tenancy.placement). The
    operator's page polls it; the stale-job sweep (apps.jobs) queues a running job again when its
    heartbeat stops (the worker was killed).

    No foreign key to the tenant: archiving deletes the tenant row, and the job row must not be
    touched by that delete (its progress is written by another connection meanwhile)."""

    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("Arsip dan hapus")
        RESTORE = "restore", _("Pulihkan")
        # Move the tenant's schema to another Citus node, online (apps.tenancy.placement).
        MOVE = "move", _("Pindahkan node")
        # Make one desa/kelurahan or kota/kabupaten a tenant (services.activate_region).
        ACTIVATE = "activate", _("Aktivasi")

    class Status(models.TextChoices):
        PENDING = "pending", _("Menunggu")
        RUNNING = "running", _("Berjalan")
        DONE = "done", _("Selesai")
        FAILED = "failed", _("Gagal")

    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    # The tenant archived, or the region restored (as_code or the archive's own code).
    code = models.CharField(_("kode wilayah"), max_length=13, blank=True)
    name = models.CharField(_("nama"), max_length=150)
    schema_name = models.CharField(max_length=63, blank=True)
    reason = models.CharField(_("alasan"), max_length=255, blank=True)
    # Archive: the status to give back if a killed run left the tenant "archiving".
    previous_status = models.CharField(max_length=16, blank=True)
    # Archive: set in the transaction that drops the schema (so "dropped" ⇔ archive is set).
    # Restore: the archive restored from.
    archive = models.ForeignKey(
        TenantArchive, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("arsip")
    )
    # Restore: the file restored from (the archive's, or any archive file given to the CLI);
    # archive: the file written.
    archive_path = models.CharField(_("berkas arsip"), max_length=500, blank=True)
    as_code = models.CharField(_("pulihkan sebagai"), max_length=13, blank=True)
    # Move: the node the tenant goes to, "host:port" (the node it left is in `result`).
    target_node = models.CharField(_("node tujuan"), max_length=270, blank=True)
    # Activate: what the operator asked for (tenant_type, slug, plan, admin_email, admin_name),
    # passed to services.activate_region by the job.
    options = models.JSONField(default=dict, blank=True)
    done = models.PositiveSmallIntegerField(default=0)
    total = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(_("langkah"), max_length=255, blank=True)
    error = models.TextField(_("galat"), blank=True)
    # Archive: path, sha256, size; restore: schema and address of the restored tenant;
    # activate: schema, address and admin username of the new tenant (never its set-password link).
    result = models.JSONField(default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("pekerjaan arsip/pulih")
        verbose_name_plural = _("pekerjaan arsip/pulih")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "heartbeat_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}"

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.PENDING, self.Status.RUNNING)

    @property
    def percent(self) -> int:
        return 100 if self.status == self.Status.DONE else int(100 * self.done / self.total) if self.total else 0

    @property
    def step_label(self) -> str:
        return str(TENANT_JOB_STEPS.get(self.step, self.step))


class DueWork(models.Model):
    """The earliest moment a tenant has periodic work of one kind due (public "due work" index).

    Tenant code lowers it when it schedules something (`apps.tenancy.due_work.schedule_due`,
    inside its own transaction); the tenant's sweep sets it from its own tables when it ends
    (`reschedule`). Beat reads only this table and queues a sweep only in tenants whose work is
    due (`apps.tenancy.fanout.enqueue_where_due`), so its cost follows due work, not tenants.
    `claimed_at` is set when beat queues the sweep: a sweep that never reports back (its task
    lost, its worker killed) is queued again once the claim is older than the lease."""

    class Kind(models.TextChoices):
        NOTIFICATIONS = "notifications", _("Antrean notifikasi")
        MARKETPLACE = "marketplace", _("Batas bayar, reservasi dan selesai otomatis pesanan")
        REPORTS_SLA = "reports_sla", _("SLA laporan warga")
        COMMUNITY_QRIS = "community_qris", _("Pembayaran QRIS iuran dan arisan")
        FULFILLMENT = "fulfillment", _("Batas waktu batch pengiriman")
        STALE_JOBS = "stale_jobs", _("Pekerjaan latar yang berhenti berdetak")
        LEVIES = "levies", _("Tagihan retribusi berulang, denda dan pengingat")
        INVOICES = "invoices", _("Pengingat jatuh tempo faktur")
        SEMBAKO = "sembako", _("Penutupan putaran Sembako Pintar")
        FACTORING = "factoring", _("Gagal bayar pembiayaan faktur")

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="due_work")
    kind = models.CharField(_("jenis"), max_length=32, choices=Kind.choices)
    due_at = models.DateTimeField(_("jatuh tempo"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("diambil pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("pekerjaan terjadwal")
        verbose_name_plural = _("pekerjaan terjadwal")
        constraints = [models.UniqueConstraint(fields=["tenant", "kind"], name="due_work_once_per_kind")]
        indexes = [
            models.Index(fields=["kind", "due_at"], name="due_work_due"),
            # Claims waiting for their sweep: few rows, so a partial index stays tiny.
            models.Index(
                fields=["kind", "claimed_at"], name="due_work_claimed", condition=models.Q(claimed_at__isnull=False)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.kind} {self.due_at}"


class LevyBillRoute(models.Model):
    """The public bridge of one kota levy bill (apps.levies, docs/design/gov-b2b-fintech.md §1).

    The kota writes it when it issues the bill (same transaction as its register row); the payer's
    kelurahan reads the routes addressed to it and marks one paid when its copy of the bill is
    settled. It holds **no personal data** (no name, NIK, phone or address: a test checks the
    columns), like `analytics.DailyFact`. Here, not in apps.levies: django-tenants migrates whole
    apps per schema type, and apps.levies is a kota-only app, so it cannot own a public table."""

    class Status(models.TextChoices):
        OPEN = "open", _("Belum dibayar")
        PAID = "paid", _("Lunas")
        CANCELLED = "cancelled", _("Dibatalkan")

    number = models.CharField(_("nomor tagihan"), max_length=40)
    # What is billed, in words the payer reads ("Retribusi persampahan 2026-12"): the levy's name
    # and period, never the payer's.
    title = models.CharField(_("uraian"), max_length=150)
    kota = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", verbose_name=_("kota"))
    # Not indexed alone: "levy_route_kelurahan" leads with this column.
    kelurahan = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan"), db_index=False
    )
    amount_due = models.BigIntegerField(_("jumlah tagihan"))
    due_on = models.DateField(_("jatuh tempo"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    channel = models.CharField(_("dibayar dengan"), max_length=16, blank=True)
    # Random, printed as the receipt's QR verification link; says nothing about the payer.
    verification_token = models.CharField(_("token verifikasi"), max_length=32)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("rute tagihan retribusi")
        verbose_name_plural = _("rute tagihan retribusi")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="levy_route_number_unique"),
            models.UniqueConstraint(fields=["verification_token"], name="levy_route_token_unique"),
            models.CheckConstraint(condition=models.Q(amount_due__gt=0), name="levy_route_amount_positive"),
        ]
        indexes = [models.Index(fields=["kelurahan", "status", "due_on"], name="levy_route_kelurahan")]

    def __str__(self) -> str:
        return self.number


class InvoiceRoute(models.Model):
    """The public bridge of one UMKM invoice addressed to an OPD of the seller's kota (apps.invoicing,
    docs/design/gov-b2b-fintech.md §2).

    The seller's kelurahan writes it when it issues the invoice and updates it in the same
    transaction as every later change of the invoice (payment, overdue, cancel, dispute); the kota
    reads the routes addressed to it (its "Faktur masuk") and the OPD pays through `token` on the
    seller's host. It holds **no personal data** (no buyer or seller person, no line items: a
    test checks the columns): the OPD is an institution, known by its code and name. Here, not in
    apps.invoicing, for the reason `LevyBillRoute` is: a tenant app cannot own a public table."""

    class Status(models.TextChoices):
        # The seller invoice's statuses (apps.invoicing.workflow), copied as they change.
        SENT = "sent", _("Terkirim")
        VIEWED = "viewed", _("Sudah dilihat")
        PARTLY_PAID = "partly_paid", _("Dibayar sebagian")
        PAID = "paid", _("Lunas")
        OVERDUE = "overdue", _("Lewat jatuh tempo")
        CANCELLED = "cancelled", _("Dibatalkan")

    # The seller's tenant. Not indexed alone: "invoice_route_once" leads with this column.
    kelurahan = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan penjual"), db_index=False
    )
    invoice_id = models.PositiveBigIntegerField(_("faktur (di skema penjual)"))
    number = models.CharField(_("nomor faktur"), max_length=40)
    # The buying kota. Not indexed alone: "invoice_route_opd" leads with this column.
    kota = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="+", verbose_name=_("kota"), db_index=False)
    # The OPD as the kota's register (reports.Opd) knows it: its code and its name.
    opd_code = models.CharField(_("kode OPD"), max_length=32)
    opd_name = models.CharField(_("OPD"), max_length=150)
    total = models.BigIntegerField(_("total (Rp)"))
    amount_paid = models.BigIntegerField(_("sudah dibayar (Rp)"), default=0)
    issued_on = models.DateField(_("tanggal faktur"))
    due_on = models.DateField(_("jatuh tempo"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENT)
    disputed = models.BooleanField(_("disengketakan"), default=False)
    paid_at = models.DateTimeField(_("lunas"), null=True, blank=True)
    # Random: the OPD's link to the invoice (PDF, QRIS) on the seller's host, without an account there.
    token = models.CharField(_("token"), max_length=32)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)

    class Meta:
        verbose_name = _("rute faktur ke OPD")
        verbose_name_plural = _("rute faktur ke OPD")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "invoice_id"], name="invoice_route_once"),
            models.UniqueConstraint(fields=["token"], name="invoice_route_token_unique"),
            models.CheckConstraint(condition=models.Q(total__gt=0), name="invoice_route_total_positive"),
        ]
        # The kota's inbox (per OPD, by status) and an OPD's payment history (factoring).
        indexes = [models.Index(fields=["kota", "opd_code", "status"], name="invoice_route_opd")]

    def __str__(self) -> str:
        return self.number

    @property
    def remaining(self) -> int:
        return max(self.total - self.amount_paid, 0)
