"""Laporan warga (citizen reports): categories and who handles them, reports with their public
timeline, followers, photos, SLA reminders sent, Open311 API keys and per-kelurahan settings.

Every table lives in the tenant's own schema (apps.reports is a tenant-only app).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.api_keys import ApiKeyBase
from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents
from apps.core.files import public_storage
from apps.rtrw.models import RukunTetangga, RukunWarga


class ReportSettings(models.Model):
    """How this kelurahan runs laporan warga (one row per tenant, id 1)."""

    allow_anonymous = models.BooleanField(
        _("izinkan laporan tanpa akun"),
        # On by default, as on FixMyStreet: a guest reports what they see without signing up
        # (rate-limited per address and device, with a honeypot; see reports.views.new_report).
        default=True,
        help_text=_("Warga yang belum masuk boleh melapor (kontak opsional, tidak pernah ditampilkan)."),
    )
    reopen_days = models.PositiveSmallIntegerField(
        _("batas buka kembali (hari)"),
        default=14,
        help_text=_("Pelapor boleh membuka kembali laporan sampai sekian hari setelah selesai ditangani."),
    )
    max_distance_km = models.DecimalField(
        _("jarak maksimum dari pusat kelurahan (km)"),
        max_digits=5,
        decimal_places=2,
        default=5,
        help_text=_("Lokasi laporan yang lebih jauh dari ini ditolak (0 = tidak dibatasi)."),
    )

    class Meta:
        verbose_name = _("pengaturan laporan warga")
        verbose_name_plural = _("pengaturan laporan warga")
        constraints = [models.CheckConstraint(condition=Q(id=1), name="reports_settings_singleton")]

    def __str__(self) -> str:
        return str(_("Pengaturan laporan warga"))


class Opd(models.Model):
    """An Organisasi Perangkat Daerah of the city (Dinas PUPR, DLH, ...), as this kelurahan knows it.

    OPDs belong to the kota tenant, but pages and services here never hop schemas, and
    forwarding a report to the kota through a public-schema handoff is out of scope. So each
    kelurahan keeps this small reference table of the city's OPDs (name, contact, e-mail) in
    its own schema, and lists the people who act for an OPD *in this kelurahan* (`staff`,
    accounts of this schema, typically with the Staf OPD role). Categories routed to an OPD
    notify those staff; the OPD's contact and e-mail are shown to kelurahan staff.
    """

    code = models.SlugField(_("kode"), max_length=32, db_index=False)
    name = models.CharField(_("nama"), max_length=150)
    contact = models.CharField(_("kontak"), max_length=150, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="OpdStaff", blank=True, related_name="report_opds", verbose_name=_("petugas")
    )
    active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("OPD")
        verbose_name_plural = _("OPD")
        ordering = ["name"]
        constraints = [
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="reports_opd_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """A kind of problem (an Open311 *service*) and the unit that must handle it, with its SLA."""

    class Unit(models.TextChoices):
        RT = "rt", _("RT")
        RW = "rw", _("RW")
        KELURAHAN = "kelurahan", _("Kelurahan")
        OPD = "opd", _("OPD kota")

    code = models.SlugField(_("kode layanan"), max_length=50, db_index=False, help_text=_("service_code Open311"))
    name = models.CharField(_("nama"), max_length=100)
    description = models.CharField(_("keterangan"), max_length=500, blank=True)
    group = models.CharField(_("kelompok"), max_length=100, blank=True)
    keywords = models.CharField(_("kata kunci"), max_length=200, blank=True, help_text=_("Dipisah koma"))
    unit = models.CharField(_("unit penanggung jawab"), max_length=16, choices=Unit.choices, default=Unit.KELURAHAN)
    rt = models.ForeignKey(
        RukunTetangga, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("RT")
    )
    rw = models.ForeignKey(
        RukunWarga, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("RW")
    )
    opd = models.ForeignKey(
        Opd, null=True, blank=True, on_delete=models.PROTECT, related_name="categories", verbose_name=_("OPD")
    )
    sla_hours = models.PositiveIntegerField(
        _("SLA (jam)"), default=72, help_text=_("Unit diingatkan bila laporan tidak bergerak selama ini.")
    )
    escalation_hours = models.PositiveIntegerField(
        _("eskalasi ke lurah (jam)"), default=168, help_text=_("Lurah diberi tahu bila laporan diam selama ini.")
    )
    active = models.BooleanField(_("aktif"), default=True)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kategori laporan")
        verbose_name_plural = _("kategori laporan")
        ordering = ["order", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(sla_hours__gt=0), name="reports_category_sla_positive"),
            models.CheckConstraint(
                condition=Q(escalation_hours__gt=F("sla_hours")), name="reports_category_escalation_after_sla"
            ),
            models.CheckConstraint(
                condition=(
                    Q(unit="rt", rt__isnull=False, rw__isnull=True, opd__isnull=True)
                    | Q(unit="rw", rt__isnull=True, rw__isnull=False, opd__isnull=True)
                    | Q(unit="kelurahan", rt__isnull=True, rw__isnull=True, opd__isnull=True)
                    | Q(unit="opd", rt__isnull=True, rw__isnull=True, opd__isnull=False)
                ),
                name="reports_category_unit_matches",
            ),
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="reports_category_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """Form-level twin of the unit constraint, so admin shows a message instead of a 500."""
        from django.core.exceptions import ValidationError

        needed = {self.Unit.RT: "rt", self.Unit.RW: "rw", self.Unit.OPD: "opd"}.get(self.Unit(self.unit))
        errors: dict[str, str] = {}
        for field in ("rt", "rw", "opd"):
            value = getattr(self, f"{field}_id")
            if field == needed and value is None:
                errors[field] = str(_("Pilih unit penanggung jawab untuk jenis unit ini."))
            elif field != needed and value is not None:
                errors[field] = str(_("Kosongkan: jenis unit yang dipilih bukan ini."))
        if self.escalation_hours is not None and self.sla_hours is not None and self.escalation_hours <= self.sla_hours:
            errors["escalation_hours"] = str(_("Batas eskalasi harus lebih lama dari SLA."))
        if errors:
            raise ValidationError(errors)

    @property
    def agency_name(self) -> str:
        """The responsible unit's public name (Open311 agency_responsible)."""
        if self.unit == self.Unit.RT and self.rt is not None:
            return str(self.rt)
        if self.unit == self.Unit.RW and self.rw is not None:
            return str(self.rw)
        if self.unit == self.Unit.OPD and self.opd is not None:
            return self.opd.name
        return str(_("Kelurahan"))

    @property
    def sla(self) -> timedelta:
        return timedelta(hours=self.sla_hours)

    @property
    def escalation(self) -> timedelta:
        return timedelta(hours=self.escalation_hours)


class CategoryAttribute(models.Model):
    """An extra question of a category (an Open311 service definition attribute)."""

    class Datatype(models.TextChoices):
        STRING = "string", _("Teks singkat")
        NUMBER = "number", _("Angka")
        DATETIME = "datetime", _("Tanggal dan jam")
        TEXT = "text", _("Teks panjang")
        SINGLE = "singlevaluelist", _("Pilih satu")
        MULTI = "multivaluelist", _("Pilih beberapa")

    # Not indexed alone: the unique constraint "reports_attribute_code_unique" leads with this column.
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="attributes", db_index=False)
    # No index of its own: read through its category (the unique (category, code) serves that).
    code = models.SlugField(_("kode"), max_length=50, db_index=False)
    description = models.CharField(_("pertanyaan"), max_length=255)
    datatype = models.CharField(_("jenis"), max_length=20, choices=Datatype.choices, default=Datatype.STRING)
    datatype_description = models.CharField(_("petunjuk isian"), max_length=255, blank=True)
    required = models.BooleanField(_("wajib"), default=False)
    order = models.PositiveSmallIntegerField(_("urutan"), default=0)
    values = models.JSONField(
        _("pilihan"), default=list, blank=True, help_text=_('Untuk daftar pilihan: [{"key": "...", "name": "..."}]')
    )

    class Meta:
        verbose_name = _("pertanyaan tambahan")
        verbose_name_plural = _("pertanyaan tambahan")
        ordering = ["category", "order", "id"]
        constraints = [models.UniqueConstraint(fields=["category", "code"], name="reports_attribute_code_unique")]

    def __str__(self) -> str:
        return f"{self.category.code}.{self.code}"

    @property
    def is_list(self) -> bool:
        return self.datatype in (self.Datatype.SINGLE, self.Datatype.MULTI)

    def value_keys(self) -> list[str]:
        return [str(v.get("key")) for v in self.values or [] if isinstance(v, dict)]


class ApiKey(ApiKeyBase):
    """An integrator's key for Open311 POST requests, in the kelurahan's own schema
    (apps.core.api_keys explains the idiom and why this table is not the data API's)."""

    name = models.CharField(_("nama integrator"), max_length=150)
    contact_email = models.EmailField(_("e-mail kontak"), blank=True)
    # The base's columns, indexed in Meta instead: the same btree indexes without the
    # varchar_pattern_ops copies Django adds for LIKE (keys are looked up by equality only).
    prefix = models.CharField(_("awalan"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, editable=False)

    class Meta:
        verbose_name = _("kunci API Open311")
        verbose_name_plural = _("kunci API Open311")
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["key_hash"], name="reports_apikey_key_hash_unique")]
        indexes = [models.Index(fields=["prefix"], name="reports_apikey_prefix")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


STATUSES = ["open", "verified", "in_progress", "resolved", "closed", "duplicate", "not_responsible", "reopened"]


class Report(models.Model):
    """One citizen report. `code` is its public id (Open311 service_request_id)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Baru")
        VERIFIED = "verified", _("Terverifikasi")
        IN_PROGRESS = "in_progress", _("Sedang dikerjakan")
        RESOLVED = "resolved", _("Selesai ditangani")
        CLOSED = "closed", _("Ditutup")
        DUPLICATE = "duplicate", _("Duplikat")
        NOT_RESPONSIBLE = "not_responsible", _("Bukan wewenang")
        REOPENED = "reopened", _("Dibuka kembali")

    class Source(models.TextChoices):
        WEB = "web", _("Situs")
        API = "api", _("API")
        OPEN311 = "open311", _("Open311")
        DEMO = "demo", _("Contoh")

    # Statuses in which someone still has to act: the SLA clock runs, Open311 says "open".
    ACTIVE = (Status.OPEN, Status.VERIFIED, Status.IN_PROGRESS, Status.REOPENED)

    code = models.CharField(_("nomor laporan"), max_length=16, editable=False)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: reports_near_idx starts with category.
    category = models.ForeignKey(
        Category, on_delete=models.PROTECT, related_name="reports", verbose_name=_("kategori"), db_index=False
    )
    # Open311 allows up to 4,000 characters and makes it optional (services.MAX_DESCRIPTION).
    description = models.TextField(_("uraian"), max_length=4000, blank=True)
    attributes = models.JSONField(_("jawaban tambahan"), default=dict, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    status_changed_at = models.DateTimeField(_("status sejak"), default=timezone.now)
    status_notes = models.CharField(_("catatan status"), max_length=500, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    address = models.CharField(_("alamat/patokan"), max_length=255, blank=True)
    # Where the map cannot be used (no tiles, no GPS): the reporter's RT, next to the landmark.
    # No index: only read with its report, never searched by.
    rt = models.ForeignKey(
        RukunTetangga,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("RT/RW lokasi"),
        db_index=False,
    )
    # Personal data: never shown on public pages, in the public API or in Open311 responses.
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_filed",
        verbose_name=_("pelapor"),
    )
    contact_name = models.CharField(_("nama kontak"), max_length=150, blank=True)
    contact_email = models.EmailField(_("e-mail kontak"), blank=True)
    contact_phone = models.CharField(_("HP kontak"), max_length=30, blank=True)
    source = models.CharField(_("sumber"), max_length=16, choices=Source.choices, default=Source.WEB)
    api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports")
    account_id = models.CharField(max_length=100, blank=True)
    device_id = models.CharField(max_length=100, blank=True)
    media_url = models.URLField(_("URL media"), max_length=500, blank=True)
    support_count = models.PositiveIntegerField(_("dukungan"), default=0)
    # No index: read only forward (`report.duplicate_of`); reports are never deleted (the admin
    # refuses, no service deletes one), so the PROTECT check never scans for duplicates.
    duplicate_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
        verbose_name=_("duplikat dari"),
        db_index=False,
    )
    # No index: nothing lists or filters reports by who took them; users are deactivated, never
    # deleted, so the SET_NULL never scans.
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="reports_taken",
        verbose_name=_("dikerjakan oleh"),
        db_index=False,
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(_("dilaporkan"), default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(_("diperbarui"), default=timezone.now)

    class Meta:
        verbose_name = _("laporan warga")
        verbose_name_plural = _("laporan warga")
        ordering = ["-created_at", "-id"]
        indexes = [
            # Duplicate suggestions: category + status, then the bounding box on lat/lng.
            models.Index(fields=["category", "status", "lat", "lng"], name="reports_near_idx"),
            models.Index(fields=["status", "status_changed_at"], name="reports_stage_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=STATUSES), name="reports_report_status_valid"),
            models.CheckConstraint(
                condition=Q(lat__isnull=True, lng__isnull=True)
                | Q(lat__gte=-90, lat__lte=90, lng__gte=-180, lng__lte=180),
                name="reports_report_point_valid",
            ),
            models.CheckConstraint(condition=Q(lat__isnull=False) | ~Q(address=""), name="reports_report_has_location"),
            models.CheckConstraint(
                condition=Q(status="duplicate", duplicate_of__isnull=False)
                | (~Q(status="duplicate") & Q(duplicate_of__isnull=True)),
                name="reports_report_duplicate_has_original",
            ),
            models.CheckConstraint(condition=~Q(duplicate_of=F("id")), name="reports_report_not_own_duplicate"),
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="reports_report_code_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.category}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def open311_status(self) -> str:
        return "open" if self.is_active else "closed"

    @property
    def has_point(self) -> bool:
        return self.lat is not None and self.lng is not None

    @property
    def updates(self) -> Any:
        """The public timeline (ReportUpdate rows of core_event), oldest first: used like a
        reverse manager (`.all()`, `.last()`) and prefetchable (`prefetch_related("updates")`)."""
        return SubjectEvents(self, cache_name="updates")


class ReportPhoto(models.Model):
    """A photo of a report, stored in the tenant's own storage folder and served by a view."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="photos")
    # Public storage: Open311 publishes the media_url of public reports, so anyone may fetch them.
    image = models.FileField(_("foto"), upload_to="laporan/%Y/%m/", storage=public_storage, max_length=200)
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("foto laporan")
        verbose_name_plural = _("foto laporan")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=["image/jpeg", "image/png"]), name="reports_photo_type_valid"
            ),
            models.CheckConstraint(condition=Q(size__lte=5 * 1024 * 1024), name="reports_photo_max_5mb"),
        ]

    def __str__(self) -> str:
        return f"{self.report.code} / {self.uuid}"


class ReportFollower(models.Model):
    """Someone who gets the report's public updates: the reporter, "saya juga" supporters, staff."""

    # Not indexed alone: the unique constraint "reports_follow_once" leads with this column.
    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="followers", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reports_followed")
    supporter = models.BooleanField(_("ikut melapor (saya juga)"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pengikut laporan")
        verbose_name_plural = _("pengikut laporan")
        constraints = [models.UniqueConstraint(fields=["report", "user"], name="reports_follow_once")]

    def __str__(self) -> str:
        return f"{self.user} → {self.report.code}"


class ReportUpdate(SubjectEventMixin, Event):
    """One entry of a report's public timeline (a status change or a note): a row of core_event,
    subject "report" (apps.core.audit; docs/design/schema-cost.md step 3). Written by the
    services only (`ReportUpdate.record(report=..., actor=..., actor_label=..., ...)`), never
    edited; read with `report.updates` or `selectors.timeline(report)`.

    `actor_label` is what the public sees ("Pelapor", "RT 01/RW 01", "Kelurahan"), never a name;
    it is kept in `data`. `actor` (who did it) is for staff only, never shown publicly.
    """

    class Action(models.TextChoices):
        STATUS = "status", _("Status berubah")
        NOTE = "note", _("Catatan perkembangan")

    SUBJECTS: ClassVar[dict[str, str]] = {"report": "report"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"report": "reports.Report"}
    ALIASES: ClassVar[dict[str, str]] = {"author": "actor"}
    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("actor_label",)
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = dict(Action.choices)

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("perkembangan laporan")
        verbose_name_plural = _("perkembangan laporan")

    @classmethod
    def record(cls, *, actor: Any = None, at: datetime | None = None, **fields: Any) -> Self:
        """A status change when `to_status` is given, else a note. `author=` is the old name of
        `actor=`."""
        actor = fields.pop("author", actor)
        if "actor_label" in fields:  # may be a lazy translation: stored as its text
            fields["actor_label"] = str(fields["actor_label"])[:150]
        fields.setdefault("action", cls.Action.STATUS if fields.get("to_status") else cls.Action.NOTE)
        return super().record(actor=actor, at=at, **fields)

    @property
    def report_id(self) -> int:
        return self.subject_id

    @property
    def author(self) -> Any:
        return self.actor

    @property
    def actor_label(self) -> str:
        return str(self.data_value("actor_label", ""))

    @property
    def to_status_label(self) -> str:
        return str(Report.Status(self.to_status).label) if self.to_status else ""

    def __str__(self) -> str:
        return f"{self.report_id}: {self.from_status} → {self.to_status}"


ReportUpdate.register(Report)


class SlaReminder(SubjectEventMixin, Event):
    """A reminder or escalation sent for a report's current stage: a core_event row, recorded so
    it is sent once per report, level and stage (apps.reports.services.sla, under the report's
    row lock). Subject "report_sla", not "report": the public timeline (ReportUpdate) never shows
    it. `action` is the level; the stage start and the number of recipients are in `data`.

    A stage starts at the report's `status_changed_at`: when the status moves on and stalls
    again, that is a new stage with its own reminders. One table fewer in every kelurahan schema
    (docs/design/schema-cost.md "SLA reminders").
    """

    class Level(models.TextChoices):
        REMINDER = "reminder", _("Pengingat ke unit")
        ESCALATION = "escalation", _("Eskalasi ke lurah")

    SUBJECTS: ClassVar[dict[str, str]] = {"report": "report_sla"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"report": "reports.Report"}
    ALIASES: ClassVar[dict[str, str]] = {"level": "action"}
    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("stage_started_at", "recipients")
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = dict(Level.choices)

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("pengingat SLA")
        verbose_name_plural = _("pengingat SLA")
        ordering = ["-created_at", "-id"]

    @property
    def report_id(self) -> int:
        return self.subject_id

    @property
    def level(self) -> str:
        return self.action

    @property
    def sent_at(self) -> datetime:
        return self.created_at

    @property
    def recipients(self) -> int:
        return int(self.data_value("recipients", 0))

    def __str__(self) -> str:
        return f"{self.report_id} {self.level} {self.data_value('stage_started_at', '')}"


# A many-to-many link table whose primary key is the pair itself (composite key, Django 5.2):
# no surrogate id and no index of its own on the first column, which leads the key (issue 17:
# two pg_class rows fewer per kelurahan schema than an auto-created through table).


class OpdStaff(models.Model):
    """An OPD's officer who handles its reports (Opd.staff)."""

    pk = models.CompositePrimaryKey("opd_id", "user_id")
    opd = models.ForeignKey(Opd, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "reports_opd_staff"
        verbose_name = _("petugas OPD")
        verbose_name_plural = _("petugas OPD")

    def __str__(self) -> str:
        return f"{self.opd_id} ← {self.user_id}"
