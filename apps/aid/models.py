"""Bansos: programs, beneficiaries (NIK kept only as a keyed hash and a masked form),
enrolments, distributions per period, and staged imports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.files import private_storage
from apps.core.jobs.batch import BackgroundJob
from apps.core.jobs.batch import JobPhase as JobPhase  # re-exported: the job states of the import batches
from apps.core.jobs.batch import JobState as JobState
from apps.rtrw.models import RukunTetangga

PERIOD_REGEX = r"^[0-9]{4}-(0[1-9]|1[0-2])$"


class TargetType(models.TextChoices):
    INDIVIDUAL = "individu", _("Perorangan")
    KK = "kk", _("Keluarga (KK)")
    HOUSEHOLD = "rumah_tangga", _("Rumah tangga")
    GROUP = "kelompok", _("Kelompok")


# Programs whose unit is a family: one enrolment per No. KK, exclusions matched on No. KK.
# A household (rumah tangga) is identified by the No. KK of the member who is enrolled.
FAMILY_TARGETS = frozenset({TargetType.KK, TargetType.HOUSEHOLD})


class FundingSource(models.TextChoices):
    APBN = "apbn", _("APBN")
    APBD = "apbd", _("APBD")
    DANA_DESA = "dana_desa", _("Dana Desa/Kelurahan")
    CSR = "csr", _("CSR")
    OTHER = "lainnya", _("Lainnya")


class Program(models.Model):
    name = models.CharField(_("nama program"), max_length=200)
    description = models.TextField(_("keterangan"), blank=True)
    target_type = models.CharField(_("sasaran"), max_length=16, choices=TargetType.choices)
    funding_source = models.CharField(_("sumber dana"), max_length=16, choices=FundingSource.choices)
    start_date = models.DateField(_("mulai"))
    end_date = models.DateField(_("selesai"))
    quota = models.PositiveIntegerField(_("kuota penerima"))
    amount = models.BigIntegerField(_("nilai per penyaluran (Rp)"), default=0)
    # Eligibility rules, checked at enrolment.
    max_household_income = models.BigIntegerField(
        _("penghasilan rumah tangga maksimum per bulan (Rp)"), null=True, blank=True
    )
    min_age = models.PositiveSmallIntegerField(_("usia minimum"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("usia maksimum"), null=True, blank=True)
    allowed_rts = models.ManyToManyField(
        RukunTetangga,
        through="ProgramAllowedRT",
        blank=True,
        related_name="aid_programs",
        verbose_name=_("RT sasaran"),
        help_text=_("Kosong: semua RT di kelurahan ini."),
    )
    excludes = models.ManyToManyField(
        "self",
        through="ProgramExclusion",
        symmetrical=True,
        blank=True,
        verbose_name=_("tidak boleh bersamaan dengan"),
        help_text=_("Penerima program ini tidak boleh menerima program-program tersebut (berlaku dua arah)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("program bansos")
        verbose_name_plural = _("program bansos")
        ordering = ["-start_date", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="aid_program_period"),
            models.CheckConstraint(condition=Q(quota__gte=1), name="aid_program_quota_positive"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="aid_program_amount_not_negative"),
            models.CheckConstraint(
                condition=Q(max_household_income__isnull=True) | Q(max_household_income__gte=0),
                name="aid_program_income_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(min_age__isnull=True) | Q(max_age__isnull=True) | Q(max_age__gte=F("min_age")),
                name="aid_program_age_range",
            ),
            # name: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["name"], name="aid_program_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_family_target(self) -> bool:
        return self.target_type in FAMILY_TARGETS


class Beneficiary(models.Model):
    """A person who may receive aid. The NIK and No. KK are never stored in full: a keyed HMAC
    for matching and a masked form for display."""

    class Sex(models.TextChoices):
        MALE = "L", _("Laki-laki")
        FEMALE = "P", _("Perempuan")

    nik_hash = models.CharField(max_length=64, editable=False)
    nik_masked = models.CharField(_("NIK"), max_length=16, editable=False)
    kk_hash = models.CharField(max_length=64, blank=True, editable=False)
    kk_masked = models.CharField(_("No. KK"), max_length=16, blank=True, editable=False)
    birth_date = models.DateField(_("tanggal lahir"), editable=False)
    sex = models.CharField(_("jenis kelamin"), max_length=1, choices=Sex.choices, editable=False)
    name = models.CharField(_("nama"), max_length=150)
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    rt = models.ForeignKey(
        RukunTetangga, on_delete=models.PROTECT, related_name="aid_beneficiaries", verbose_name=_("RT")
    )
    household_income = models.BigIntegerField(_("penghasilan rumah tangga per bulan (Rp)"), null=True, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="aid_beneficiaries",
        verbose_name=_("akun pengguna"),
        help_text=_("Untuk notifikasi penyaluran."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("penerima bansos")
        verbose_name_plural = _("penerima bansos")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(household_income__isnull=True) | Q(household_income__gte=0),
                name="aid_beneficiary_income_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(kk_hash="", kk_masked="") | (~Q(kk_hash="") & ~Q(kk_masked="")),
                name="aid_beneficiary_kk_pair",
            ),
            # nik_hash: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["nik_hash"], name="aid_beneficiary_nik_hash_unique"),
        ]
        indexes = [
            # kk_hash: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.Index(fields=["kk_hash"], name="aid_beneficiary_kk_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.nik_masked})"


class Enrolment(models.Model):
    """A beneficiary in a program. `match_key` is what must be unique in the program: the NIK
    hash, or the No. KK hash for family programs."""

    class Status(models.TextChoices):
        ACTIVE = "aktif", _("Aktif")
        WITHDRAWN = "dicabut", _("Dicabut")

    class Source(models.TextChoices):
        MANUAL = "manual", _("Manual")
        IMPORT = "impor", _("Impor berkas")
        API = "api", _("API")

    # Not indexed alone: the unique constraint "aid_enrolment_once_per_program" leads with this column.
    program = models.ForeignKey(
        Program, on_delete=models.PROTECT, related_name="enrolments", db_index=False, verbose_name=_("program")
    )
    beneficiary = models.ForeignKey(
        Beneficiary, on_delete=models.PROTECT, related_name="enrolments", verbose_name=_("penerima")
    )
    match_key = models.CharField(max_length=64, editable=False)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE)
    source = models.CharField(_("sumber data"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    import_batch = models.ForeignKey(
        "ImportBatch", null=True, blank=True, on_delete=models.SET_NULL, related_name="enrolments"
    )
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("kepesertaan")
        verbose_name_plural = _("kepesertaan")
        ordering = ["program", "beneficiary__name"]
        constraints = [
            models.UniqueConstraint(fields=["program", "beneficiary"], name="aid_enrolment_once_per_program"),
            models.UniqueConstraint(
                fields=["program", "match_key"],
                condition=Q(status="aktif"),
                name="aid_enrolment_active_key_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.beneficiary} — {self.program}"


def proof_upload_to(instance: Distribution, filename: str) -> str:
    # The name is random: never the NIK or the uploader's file name.
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"aid/bukti/{uuid.uuid4().hex}.{extension}"


class Distribution(models.Model):
    """Aid for one enrolment in one period (`YYYY-MM`)."""

    class Status(models.TextChoices):
        PLANNED = "direncanakan", _("Direncanakan")
        DISTRIBUTED = "tersalurkan", _("Tersalurkan")
        FAILED = "gagal", _("Gagal")

    # Not indexed alone: the unique constraint "aid_distribution_once_per_period" leads with this column.
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="distributions", db_index=False, verbose_name=_("kepesertaan")
    )
    period = models.CharField(_("periode"), max_length=7, help_text=_("Format TTTT-BB, mis. 2026-03"))
    amount = models.BigIntegerField(_("nilai (Rp)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    distributed_on = models.DateField(_("tanggal disalurkan"), null=True, blank=True)
    proof = models.FileField(_("bukti foto"), upload_to=proof_upload_to, storage=private_storage, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("petugas"),
        db_index=False,
    )
    failure_reason = models.CharField(_("alasan gagal"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("penyaluran")
        verbose_name_plural = _("penyaluran")
        ordering = ["-period", "enrolment__beneficiary__name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "period"], name="aid_distribution_once_per_period"),
            models.CheckConstraint(condition=Q(period__regex=PERIOD_REGEX), name="aid_distribution_period_format"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="aid_distribution_amount_not_negative"),
            models.CheckConstraint(
                condition=~Q(status="tersalurkan") | (Q(distributed_on__isnull=False) & ~Q(proof="")),
                name="aid_distributed_has_date_and_proof",
            ),
            models.CheckConstraint(
                condition=~Q(status="gagal") | ~Q(failure_reason=""),
                name="aid_failed_has_reason",
            ),
        ]
        indexes = [models.Index(fields=["period", "status"])]

    def __str__(self) -> str:
        return f"{self.enrolment} — {self.period}"


def import_upload_to(instance: ImportBatch, filename: str) -> str:
    # A random name: never the operator's file name (it may carry a person's name).
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"aid/impor/{uuid.uuid4().hex}.{extension}"


class ImportBatch(BackgroundJob):
    """An uploaded beneficiary list waiting for the operator's confirmation.

    Holds the parsed rows with NIK/KK already hashed and masked (never the file itself, never
    a full NIK), and the row errors found by the dry run. Nothing else is written until the
    operator confirms; confirmation is a job too (apps.aid.jobs): it re-validates every row
    and writes them all, chunk by chunk, or none.
    """

    class Status(models.TextChoices):
        PREVIEW = "pratinjau", _("Pratinjau")
        CONFIRMED = "dikonfirmasi", _("Dikonfirmasi")
        DISCARDED = "dibatalkan", _("Dibatalkan")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="imports", verbose_name=_("program"))
    file_name = models.CharField(_("nama berkas"), max_length=255)
    file_sha256 = models.CharField(max_length=64)
    row_count = models.PositiveIntegerField(_("jumlah baris"), default=0)
    rows = models.JSONField(default=list, blank=True)
    errors = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("dibuat oleh"),
        db_index=False,
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False
    )
    # The background job (apps.core.jobs.batch: phase, state, progress, heartbeat): the dry run
    # (aid.run_import_preview), then the confirm (aid.run_import_confirm), `bulk` queue.
    # The upload is kept (private storage) until the preview is computed, so a rerun of the
    # job after a worker died can start again from the file; it is deleted once done.
    upload = models.FileField(upload_to=import_upload_to, storage=private_storage, blank=True)
    # The confirm's resume point: the staged rows before this index are written (committed with
    # them, chunk by chunk), so a rerun continues after them and never writes a row twice.
    rows_written = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("impor penerima")
        verbose_name_plural = _("impor penerima")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.program}"

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def saved_count(self) -> int:
        """Rows written by the confirm: all staged rows but the ones it had to skip."""
        return max(self.rows_written - len(self.errors), 0)


# A many-to-many link table whose primary key is the pair itself (composite key, Django 5.2):
# no surrogate id and no index of its own on the first column, which leads the key (issue 17:
# two pg_class rows fewer per kelurahan schema than an auto-created through table).


class ProgramAllowedRT(models.Model):
    """An RT a program is limited to (Program.allowed_rts)."""

    pk = models.CompositePrimaryKey("program_id", "rukuntetangga_id")
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    rukuntetangga = models.ForeignKey(RukunTetangga, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "aid_program_allowed_rts"
        verbose_name = _("RT sasaran program")
        verbose_name_plural = _("RT sasaran program")

    def __str__(self) -> str:
        return f"{self.program_id} → RT {self.rukuntetangga_id}"


class ProgramExclusion(models.Model):
    """Two programs a household may not receive together (Program.excludes, stored both ways)."""

    pk = models.CompositePrimaryKey("from_program_id", "to_program_id")
    from_program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+", db_index=False)
    to_program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "aid_program_excludes"
        verbose_name = _("program yang tidak boleh bersamaan")
        verbose_name_plural = _("program yang tidak boleh bersamaan")

    def __str__(self) -> str:
        return f"{self.from_program_id} ≠ {self.to_program_id}"
