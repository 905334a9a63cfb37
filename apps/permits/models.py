"""Izin usaha mikro: the permit, its event log, SLA rules, numbering and the OSS adapter set-up."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents
from apps.core.files import private_storage
from apps.core.personal_data import PersonalDataKey
from apps.integrations.models import ServiceConfig, ServiceManager

from . import workflow

# Micro business: capital at most Rp1 billion excluding land and buildings (PP 7/2021 art. 35).
MICRO_CAPITAL_MAX = 1_000_000_000
# A point must lie inside Indonesia's bounding box (with a small margin).
LAT_MIN, LAT_MAX = -11.5, 6.5
LNG_MIN, LNG_MAX = 94.5, 141.5
# The NIK is kept as `NIK_KEY.digest(nik)` (lookups) and `NIK_KEY.encrypt(nik)`. Changing the
# namespace makes every stored digest unmatchable and ciphertext unreadable; keys are rotated by
# putting the new one first in PERMITS_NIK_KEYS, then `manage.py reencrypt_personal_data`.
NIK_KEY = PersonalDataKey(setting="PERMITS_NIK_KEY", namespace="kotakita.permits.nik", list_setting="PERMITS_NIK_KEYS")


def upload_to(instance: Permit, filename: str) -> str:
    # Private storage, key <schema>/permits/...; the random UUID keeps
    # paths unguessable. The service chooses `filename` from the sniffed type, never the client.
    return f"permits/{instance.uuid}/{filename}"


class Permit(models.Model):
    class Status(models.TextChoices):
        DRAFT = workflow.DRAFT, _("Draf")
        SUBMITTED = workflow.SUBMITTED, _("Menunggu rekomendasi RT/RW")
        RECOMMENDED = workflow.RECOMMENDED, _("Menunggu verifikasi petugas")
        VERIFIED = workflow.VERIFIED, _("Menunggu persetujuan lurah")
        APPROVED = workflow.APPROVED, _("Disetujui, menunggu terbit")
        AWAITING_PAYMENT = workflow.AWAITING_PAYMENT, _("Menunggu pembayaran retribusi")
        ISSUED = workflow.ISSUED, _("Terbit")
        RETURNED = workflow.RETURNED, _("Dikembalikan untuk dilengkapi")
        REJECTED = workflow.REJECTED, _("Ditolak")
        WITHDRAWN = workflow.WITHDRAWN, _("Ditarik pemohon")
        REVOKED = workflow.REVOKED, _("Dicabut")

    class Risk(models.TextChoices):
        RENDAH = "rendah", _("Rendah")
        MENENGAH_RENDAH = "menengah_rendah", _("Menengah rendah")
        MENENGAH_TINGGI = "menengah_tinggi", _("Menengah tinggi")
        TINGGI = "tinggi", _("Tinggi")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="permits", verbose_name=_("pemohon")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dibuat oleh"),
        db_index=False,
    )
    rt = models.ForeignKey(
        "rtrw.RukunTetangga",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="permits",
        verbose_name=_("RT pemohon"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(_("alasan"), blank=True)
    status_changed_at = models.DateTimeField(_("status berubah"), default=timezone.now)
    due_at = models.DateTimeField(_("batas waktu"), null=True, blank=True, db_index=True)

    owner_name = models.CharField(_("nama pemilik"), max_length=150)
    nik_digest = models.CharField(max_length=64, editable=False)
    nik_ciphertext = models.TextField(editable=False)
    nik_masked = models.CharField(_("NIK"), max_length=16, editable=False)

    business_name = models.CharField(_("nama usaha"), max_length=150)
    kbli_code = models.CharField(_("KBLI"), max_length=5)
    kbli_title = models.CharField(_("judul KBLI"), max_length=255)
    risk_level = models.CharField(_("tingkat risiko"), max_length=16, choices=Risk.choices)
    address = models.CharField(_("alamat usaha"), max_length=255, blank=True)
    lat = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    capital = models.BigIntegerField(_("modal usaha (Rp)"))
    workers = models.PositiveIntegerField(_("jumlah tenaga kerja"))
    products = models.TextField(_("produk/jasa"), blank=True)
    ktp_scan = models.FileField(_("scan KTP"), upload_to=upload_to, storage=private_storage, blank=True, max_length=200)
    ktp_scan_type = models.CharField(max_length=32, blank=True, editable=False)
    premises_photo = models.FileField(
        _("foto tempat usaha"), upload_to=upload_to, storage=private_storage, blank=True, max_length=200
    )
    premises_photo_type = models.CharField(max_length=32, blank=True, editable=False)

    nib = models.CharField(_("NIB"), max_length=13, blank=True)
    nib_business_name = models.CharField(_("nama usaha di OSS"), max_length=200, blank=True)
    nib_checked_at = models.DateTimeField(null=True, blank=True)

    number = models.CharField(_("nomor izin"), max_length=64, null=True, blank=True)
    issued_year = models.PositiveSmallIntegerField(null=True, blank=True)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    issued_at = models.DateTimeField(_("tanggal terbit"), null=True, blank=True)
    verification_token = models.CharField(max_length=64, null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("tanggal dicabut"), null=True, blank=True)

    submitted_at = models.DateTimeField(_("diajukan"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("izin usaha mikro")
        verbose_name_plural = _("izin usaha mikro")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=workflow.STATUSES), name="permit_status_known"),
            models.CheckConstraint(
                condition=Q(capital__gte=0, capital__lte=MICRO_CAPITAL_MAX), name="permit_capital_micro"
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | Q(lat__gte=LAT_MIN, lat__lte=LAT_MAX, lng__gte=LNG_MIN, lng__lte=LNG_MAX),
                name="permit_location_in_indonesia",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=[workflow.ISSUED, workflow.REVOKED])
                | Q(number__isnull=False, verification_token__isnull=False, issued_at__isnull=False),
                name="permit_issued_has_number",
            ),
            models.CheckConstraint(
                condition=~Q(status=workflow.REVOKED) | Q(revoked_at__isnull=False), name="permit_revoked_has_date"
            ),
            models.CheckConstraint(condition=Q(kbli_code__regex=r"^\d{5}$"), name="permit_kbli_5_digits"),
            # No unique (issued_year, sequence): the pair comes from core_documentcounter (a locked row
            # that never hands out a value twice) and the number "503/<sequence>/<region>/<year>" is built
            # from it (services._common.format_number), so "permits_permit_number_unique" refuses a second
            # permit with the same pair while the tenant's region code stays; nothing queries by the pair.
            # verification_token: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["verification_token"], name="permits_permit_token_unique"),
            # number: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["number"], name="permits_permit_number_unique"),
        ]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # nik_digest: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.Index(fields=["nik_digest"], name="permits_permit_nik_digest"),
        ]

    def __str__(self) -> str:
        return f"{self.number or _('Permohonan')} — {self.business_name}"

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)

    def is_overdue(self, now: datetime | None = None) -> bool:
        return self.due_at is not None and (now or timezone.now()) > self.due_at

    @property
    def is_waiting(self) -> bool:
        return self.status in workflow.WAITING


class PermitEvent(SubjectEventMixin, Event):
    """One change of a permit: who, when, why (a row of core_event, subject "permit"). Written by
    services only; never edited. Read a permit's timeline with `events_for(permit)`."""

    class Role(models.TextChoices):
        APPLICANT = "pemohon", _("pemohon")
        STAFF = "petugas", _("petugas kelurahan")
        KETUA_RT = "ketua_rt", _("ketua RT")
        KETUA_RW = "ketua_rw", _("ketua RW")
        LURAH = "lurah", _("lurah")

    class Action(models.TextChoices):
        CREATE = "create", _("Dibuat")
        UPDATE = "update", _("Diubah")
        SUBMIT = "submit", _("Diajukan")
        RECOMMEND = "recommend", _("Direkomendasikan RT/RW")
        VERIFY = "verify", _("Diverifikasi petugas")
        APPROVE = "approve", _("Disetujui lurah")
        BILL = "bill", _("Tagihan retribusi izin terbit")
        ISSUE = "issue", _("Diterbitkan")
        RETURN = "return", _("Dikembalikan untuk dilengkapi")
        REJECT = "reject", _("Ditolak")
        RESUBMIT = "resubmit", _("Diajukan ulang")
        WITHDRAW = "withdraw", _("Ditarik pemohon")
        REVOKE = "revoke", _("Dicabut")
        NIB = "nib", _("NIB dicatat")

    SUBJECTS: ClassVar[dict[str, str]] = {"permit": "permit"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"permit": "permits.Permit"}
    ALIASES: ClassVar[dict[str, str]] = {"reason": "note"}
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = dict(Action.choices)
    ROLE_LABELS: ClassVar[Mapping[str, Any]] = dict(Role.choices)

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("riwayat izin")
        verbose_name_plural = _("riwayat izin")

    @property
    def permit_id(self) -> int:
        return self.subject_id

    def __str__(self) -> str:
        return f"{self.permit_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


PermitEvent.register(Permit)


class SlaRule(models.Model):
    """Days allowed for one waiting step in this kelurahan (defaults in workflow.DEFAULT_SLA_DAYS).
    One rule per step: the step is the key (apps.core.column_keys; no varchar_pattern_ops copy:
    never queried by prefix)."""

    status = models.CharField(
        _("langkah"),
        max_length=16,
        primary_key=True,
        choices=[(s.value, s.label) for s in Permit.Status if s.value in workflow.WAITING],
    )
    days = models.PositiveSmallIntegerField(_("batas hari"))

    class Meta:
        verbose_name = _("batas waktu layanan")
        verbose_name_plural = _("batas waktu layanan")
        constraints = [models.CheckConstraint(condition=Q(days__gte=1, days__lte=365), name="sla_days_range")]

    def __str__(self) -> str:
        return f"{self.get_status_display()}: {self.days}"


class PermitFee(models.Model):
    """The retribusi izin this kelurahan charges for a permit of one risk level (none: free).

    A permit whose risk level has an active fee is billed at approval and issued once the bill
    is paid (workflow.BILL); the bill is paid to the kota's kas daerah clearing account, like
    the kota's levy bills (apps.levies), so the daily payout takes both. One fee per risk level:
    the level is the key (apps.core.column_keys)."""

    risk_level = models.CharField(_("tingkat risiko"), max_length=16, primary_key=True, choices=Permit.Risk.choices)
    amount = models.PositiveIntegerField(_("tarif (Rp)"))
    perda = models.CharField(_("dasar hukum (Perda)"), max_length=150, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)

    class Meta:
        verbose_name = _("retribusi izin")
        verbose_name_plural = _("retribusi izin")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1, amount__lte=100_000_000), name="permit_fee_amount_range"),
        ]

    def __str__(self) -> str:
        return f"{self.get_risk_level_display()}: {self.amount}"


class OssConfig(ServiceConfig):
    """How this kelurahan reaches OSS for NIB lookup/registration: the sandbox, or an HTTP API at
    `endpoint_url`. Its row of the public apps.integrations table (service "oss"); `objects`
    sees only the current tenant's."""

    objects: ClassVar[ServiceManager] = ServiceManager(ServiceConfig.Service.OSS)

    class Meta:
        proxy = True
        verbose_name = _("konfigurasi OSS")
        verbose_name_plural = _("konfigurasi OSS")

    def __str__(self) -> str:
        return str(self.get_mode_display())

    def clean(self) -> None:
        self.service = ServiceConfig.Service.OSS  # not a form field: the only service it has
        super().clean()

    def validate_constraints(self, exclude: Iterable[str] | None = None) -> None:
        super().validate_constraints(exclude={*(exclude or ())} - {"service"})

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.service = ServiceConfig.Service.OSS
        super().save(*args, **kwargs)
