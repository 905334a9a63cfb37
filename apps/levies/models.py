"""The kota's levy catalogue and bill register (kota schemas only: see apps/levies/__init__.py)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Levy(models.Model):
    """A retribusi or local tax the kota collects, with its legal basis and late-fine rule."""

    class Kind(models.TextChoices):
        RETRIBUSI = "retribusi", _("Retribusi")
        PAJAK = "pajak", _("Pajak daerah")

    class Period(models.TextChoices):
        MONTHLY = "monthly", _("Bulanan")
        YEARLY = "yearly", _("Tahunan")
        ONCE = "once", _("Sekali")

    # The bill number's prefix: "<code>/<year>/<seq>" (SKRD for retribusi, SPPT/SKPD for taxes).
    code = models.CharField(_("kode"), max_length=12)
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    # Rupiah per period; a bill may carry another amount (pajak restoran is self-assessed).
    tariff = models.BigIntegerField(_("tarif"))
    period = models.CharField(_("periode"), max_length=16, choices=Period.choices)
    perda = models.CharField(_("dasar hukum (Perda)"), max_length=150)
    # Late fine: basis points of the principal per started month, for at most `fine_cap_months`.
    fine_rate_bps = models.PositiveIntegerField(_("denda per bulan (basis poin)"), default=200)
    fine_cap_months = models.PositiveSmallIntegerField(_("denda paling lama (bulan)"), default=24)
    # Days between issuing a bill and its due date.
    due_days = models.PositiveSmallIntegerField(_("jatuh tempo (hari setelah terbit)"), default=30)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("jenis retribusi/pajak")
        verbose_name_plural = _("jenis retribusi/pajak")
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="levies_levy_code_unique"),
            models.CheckConstraint(condition=Q(tariff__gte=0), name="levies_levy_tariff_not_negative"),
        ]

    def __str__(self) -> str:
        return self.name


class LevyBill(models.Model):
    """A numbered bill (SKRD/SPPT) to one payer. The payer's identity stays here, in the kota
    schema; its public route (`tenancy.LevyBillRoute`) carries only number, amounts and dates."""

    class Status(models.TextChoices):
        OPEN = "open", _("Belum dibayar")
        PAID = "paid", _("Lunas")
        CANCELLED = "cancelled", _("Dibatalkan")

    number = models.CharField(_("nomor"), max_length=40)
    # Not indexed alone: the unique (levy, year, seq) leads with it.
    levy = models.ForeignKey(Levy, on_delete=models.PROTECT, related_name="bills", db_index=False)
    year = models.PositiveSmallIntegerField(_("tahun"))
    seq = models.PositiveIntegerField(_("urutan"))
    # "2026-12" for a monthly levy, "2026" for a yearly one, "" for a one-off bill.
    period_label = models.CharField(_("masa"), max_length=7, blank=True)
    kelurahan_id = models.PositiveIntegerField(_("kelurahan (tenant)"))  # public tenancy.Tenant id
    payer_name = models.CharField(_("nama wajib bayar"), max_length=150)
    # How the payer is known in the kelurahan (username or phone) to address their copy.
    # Empty when the bill is addressed by NIK only.
    payer_account = models.CharField(_("akun wajib bayar di kelurahan"), max_length=150, blank=True)
    # Keyed digest of the payer's NIK (apps.levies.identity), never the NIK itself: matches the
    # bill to the resident of the kelurahan who recorded the same NIK. Not indexed (read per bill
    # when a resident records their NIK: a kelurahan's open bills, filtered by this column).
    payer_nik_digest = models.CharField(max_length=64, blank=True, editable=False)
    object_address = models.CharField(_("alamat objek"), max_length=255, blank=True)
    principal = models.BigIntegerField(_("pokok"))
    fine = models.BigIntegerField(_("denda"), default=0)
    due_on = models.DateField(_("jatuh tempo"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    paid_amount = models.BigIntegerField(_("dibayar sejumlah"), default=0)
    channel = models.CharField(_("dibayar dengan"), max_length=16, blank=True)
    # Same key -> the same bill (a re-run import, a retried recurring sweep, a double submit).
    issue_key = models.CharField(_("kunci terbit"), max_length=120)
    # The officer's username, not a foreign key: a FK to the user model from a kota-only table
    # makes every user deletion in a kelurahan schema look for this table there (and fail).
    issued_by = models.CharField(_("diterbitkan oleh"), max_length=150, blank=True)
    created_at = models.DateTimeField(_("diterbitkan"), auto_now_add=True)

    class Meta:
        verbose_name = _("tagihan retribusi/pajak")
        verbose_name_plural = _("tagihan retribusi/pajak")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["number"], name="levies_bill_number_unique"),
            models.UniqueConstraint(fields=["levy", "year", "seq"], name="levies_bill_seq_unique"),
            models.UniqueConstraint(fields=["issue_key"], name="levies_bill_issue_key_unique"),
            models.CheckConstraint(condition=Q(principal__gt=0), name="levies_bill_principal_positive"),
            models.CheckConstraint(condition=Q(fine__gte=0), name="levies_bill_fine_not_negative"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="levies_bill_status_due")]

    def __str__(self) -> str:
        return self.number

    @property
    def amount_due(self) -> int:
        return self.principal + self.fine
