"""Micro-lending data (Apache Fineract's loan model, see ../shared/docs/specs.md).

Lender (BPR, koperasi, BUMD) -> LoanProduct -> Offer (pre-approved, from batch scoring) ->
Application (from an offer or direct; scored by a CreditAssessment) -> officer decision ->
Loan (disbursed into the borrower's KotaKitaPay wallet) -> Instalment rows (schedule.py) ->
LoanTransaction rows (disbursement, repayments, auto-debits, prepayments, penalties,
write-off, recovery) -> LoanEvent (the audit trail: who did what, when).

Money is integer rupiah. Ledger side (apps.payments): every lender has a `loan_receivable`
account (negative by the principal its borrowers owe through KotaKitaPay) and a
`lender_income` account (interest, fees, penalties) and a `loan_loss` account (credit losses:
negative by the principal written off less what was recovered). A disbursement moves
receivable -> wallet; a repayment moves its principal part wallet -> receivable and the rest
wallet -> income; a write-off moves the principal outstanding loss -> receivable (so the
receivable stays minus the principal outstanding of the active loans); a recovery moves
wallet -> loss.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents

from .schedule import Amortization, InterestMethod


class LenderKind(models.TextChoices):
    BPR = "bpr", _("BPR")
    KOPERASI = "koperasi", _("Koperasi")
    BUMD = "bumd", _("BUMD")


class Lender(models.Model):
    name = models.CharField(_("nama"), max_length=120)
    kind = models.CharField(_("jenis"), max_length=16, choices=LenderKind.choices)
    officers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="LenderOfficer",
        verbose_name=_("petugas"),
        related_name="lending_lenders",
        blank=True,
    )
    receivable_account = models.OneToOneField(
        "payments.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("akun piutang pinjaman")
    )
    income_account = models.OneToOneField(
        "payments.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("akun pendapatan pinjaman")
    )
    loss_account = models.OneToOneField(
        "payments.Account", on_delete=models.PROTECT, related_name="+", verbose_name=_("akun kerugian kredit")
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("lembaga pemberi pinjaman")
        verbose_name_plural = _("lembaga pemberi pinjaman")
        ordering = ["name"]
        constraints = [
            # name: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["name"], name="lending_lender_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)


class LoanProduct(models.Model):
    # Not indexed alone: the unique constraint "lending_product_unique_name" leads with this column.
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="products", verbose_name=_("lembaga"), db_index=False
    )
    name = models.CharField(_("nama produk"), max_length=120)
    interest_method = models.CharField(
        _("metode bunga"),
        max_length=24,
        choices=[(InterestMethod.FLAT.value, _("Flat")), (InterestMethod.DECLINING_BALANCE.value, _("Menurun"))],
        default=InterestMethod.DECLINING_BALANCE.value,
    )
    amortization = models.CharField(
        _("angsuran"),
        max_length=24,
        choices=[
            (Amortization.EQUAL_INSTALLMENTS.value, _("Angsuran sama")),
            (Amortization.EQUAL_PRINCIPAL.value, _("Pokok sama")),
        ],
        default=Amortization.EQUAL_INSTALLMENTS.value,
    )
    min_amount = models.BigIntegerField(_("plafon minimum (Rp)"))
    max_amount = models.BigIntegerField(_("plafon maksimum (Rp)"))
    min_tenor_months = models.PositiveSmallIntegerField(_("tenor minimum (bulan)"))
    max_tenor_months = models.PositiveSmallIntegerField(_("tenor maksimum (bulan)"))
    annual_rate = models.DecimalField(_("bunga per tahun (%)"), max_digits=7, decimal_places=4)
    disbursement_fee_amount = models.BigIntegerField(_("biaya provisi (Rp)"), default=0)
    disbursement_fee_percent = models.DecimalField(
        _("biaya provisi (%)"), max_digits=6, decimal_places=4, default=Decimal(0)
    )
    grace_principal_months = models.PositiveSmallIntegerField(_("masa tenggang pokok (bulan)"), default=0)
    grace_interest_months = models.PositiveSmallIntegerField(_("masa tenggang bunga (bulan)"), default=0)
    # Fineract's overdue-instalment charge: once per instalment still unpaid `penalty_grace_days`
    # after its due date, `penalty_percent` of what is unpaid on it.
    penalty_percent = models.DecimalField(_("denda (%)"), max_digits=6, decimal_places=4, default=Decimal(0))
    penalty_grace_days = models.PositiveSmallIntegerField(_("toleransi denda (hari)"), default=3)
    # Standing instruction: may the auto-debit take less than the whole amount due?
    allow_partial_debit = models.BooleanField(_("potong sebagian bila saldo kurang"), default=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("produk pinjaman")
        verbose_name_plural = _("produk pinjaman")
        ordering = ["lender", "name"]
        constraints = [
            models.UniqueConstraint(fields=["lender", "name"], name="lending_product_unique_name"),
            models.CheckConstraint(
                condition=Q(min_amount__gt=0) & Q(max_amount__gte=F("min_amount")), name="lending_product_amounts"
            ),
            models.CheckConstraint(
                condition=Q(min_tenor_months__gte=1) & Q(max_tenor_months__gte=F("min_tenor_months")),
                name="lending_product_tenors",
            ),
            models.CheckConstraint(condition=Q(annual_rate__gte=0), name="lending_product_rate"),
            models.CheckConstraint(
                condition=Q(disbursement_fee_amount__gte=0)
                & Q(disbursement_fee_percent__gte=0)
                & Q(penalty_percent__gte=0),
                name="lending_product_fees",
            ),
            models.CheckConstraint(
                condition=Q(grace_interest_months__lte=F("grace_principal_months"))
                & Q(grace_principal_months__lt=F("min_tenor_months")),
                name="lending_product_grace",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.lender})"


class ModelKind(models.TextChoices):
    SCORECARD = "scorecard", _("Kartu skor aturan")
    XGBOOST = "xgboost", _("Model statistik (xgboost)")


class CreditModelVersion(models.Model):
    """What decides a lender's applications: the rule-based scorecard or a trained model."""

    # Not indexed alone: the unique constraint "lending_model_unique_version" leads with this column.
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="model_versions", verbose_name=_("lembaga"), db_index=False
    )
    kind = models.CharField(_("jenis"), max_length=16, choices=ModelKind.choices)
    version = models.CharField(_("versi"), max_length=120)
    training_data_sha256 = models.CharField(_("sidik data latih"), max_length=64, blank=True)
    n_rows = models.PositiveIntegerField(_("jumlah hasil pelunasan"), default=0)
    n_defaults = models.PositiveIntegerField(_("jumlah gagal bayar"), default=0)
    params = models.JSONField(_("parameter"), default=dict, blank=True)
    metrics = models.JSONField(_("metrik"), default=dict, blank=True)
    card = models.JSONField(_("kartu model"), default=dict, blank=True)
    model_json = models.BinaryField(_("model tersimpan"), blank=True, default=b"")
    is_active = models.BooleanField(_("aktif"), default=False)
    note = models.TextField(_("catatan"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("versi model kredit")
        verbose_name_plural = _("versi model kredit")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["lender", "version"], name="lending_model_unique_version"),
            models.UniqueConstraint(
                fields=["lender"], condition=Q(is_active=True), name="lending_model_one_active_per_lender"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lender}: {self.version}"


class Method(models.TextChoices):
    SCORECARD = "scorecard", _("Kartu skor aturan")
    MODEL = "model", _("Model statistik")


class CreditAssessment(models.Model):
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="assessments", verbose_name=_("lembaga keuangan")
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pemohon")
    )
    as_of = models.DateField(_("per tanggal"))
    features = models.JSONField(_("fitur"), default=dict)
    method = models.CharField(_("metode"), max_length=16, choices=Method.choices)
    # No index: model versions are never deleted (is_active turns them off) and nothing lists a
    # version's assessments.
    model_version = models.ForeignKey(
        CreditModelVersion, null=True, blank=True, on_delete=models.PROTECT, related_name="assessments", db_index=False
    )
    pd = models.FloatField(_("peluang gagal bayar"))
    band = models.CharField(_("kelas risiko"), max_length=1)
    score = models.IntegerField(_("skor"), null=True, blank=True)
    contributions = models.JSONField(_("kontribusi fitur"), default=list)
    reasons = models.JSONField(_("alasan"), default=list)
    note = models.TextField(_("catatan metode"))
    applicant_text = models.TextField(_("penjelasan untuk pemohon"))
    offer_limit = models.BigIntegerField(_("plafon yang disarankan"), default=0)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("penilaian kredit")
        verbose_name_plural = _("penilaian kredit")
        ordering = ["-id"]
        constraints = [models.CheckConstraint(condition=Q(pd__gte=0) & Q(pd__lte=1), name="lending_assessment_pd")]

    def __str__(self) -> str:
        return f"{self.applicant} {self.band} ({self.pd:.3f})"


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Tersedia")
    ACCEPTED = "accepted", _("Diajukan")
    SUPERSEDED = "superseded", _("Diganti penawaran baru")
    EXPIRED = "expired", _("Kedaluwarsa")


class Offer(models.Model):
    # Not indexed alone: the unique constraint "lending_offer_one_per_day" leads with this column.
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="offers", db_index=False, verbose_name=_("lembaga keuangan")
    )
    # product/assessment: no index. Products and assessments are never deleted (read-only admin,
    # no service deletes them) and nothing lists an offer by product or by assessment.
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="offers", db_index=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pemohon")
    )
    assessment = models.ForeignKey(CreditAssessment, on_delete=models.PROTECT, related_name="offers", db_index=False)
    limit = models.BigIntegerField(_("plafon"))
    tenor_months = models.PositiveSmallIntegerField(_("tenor (bulan)"))
    annual_rate = models.DecimalField(_("bunga per tahun (%)"), max_digits=7, decimal_places=4)
    monthly_instalment = models.BigIntegerField(_("perkiraan cicilan per bulan"))
    as_of = models.DateField(_("tanggal penilaian"))
    expires_on = models.DateField(_("berlaku sampai"))
    status = models.CharField(_("status"), max_length=16, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("penawaran pinjaman")
        verbose_name_plural = _("penawaran pinjaman")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["lender", "applicant", "as_of"], name="lending_offer_one_per_day"),
            models.UniqueConstraint(
                fields=["lender", "applicant"], condition=Q(status="open"), name="lending_offer_one_open"
            ),
            models.CheckConstraint(condition=Q(limit__gt=0) & Q(tenor_months__gte=1), name="lending_offer_terms"),
        ]

    def __str__(self) -> str:
        return f"{self.applicant} Rp{self.limit:,} / {self.tenor_months} bln"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Menunggu keputusan")
    APPROVED = "approved", _("Disetujui")
    REJECTED = "rejected", _("Ditolak")
    WITHDRAWN = "withdrawn", _("Dibatalkan pemohon")
    DISBURSED = "disbursed", _("Sudah dicairkan")


class Application(models.Model):
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="applications", verbose_name=_("lembaga keuangan")
    )
    # product/assessment: no index. Products and assessments are never deleted (read-only admin,
    # no service deletes them) and nothing lists an application by product or by assessment.
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="applications", db_index=False)
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loan_applications", verbose_name=_("pemohon")
    )
    offer = models.OneToOneField(Offer, null=True, blank=True, on_delete=models.PROTECT, related_name="application")
    assessment = models.ForeignKey(
        CreditAssessment, on_delete=models.PROTECT, related_name="applications", db_index=False
    )
    amount = models.BigIntegerField(_("jumlah pinjaman"))
    tenor_months = models.PositiveSmallIntegerField(_("tenor (bulan)"))
    annual_rate = models.DecimalField(_("bunga per tahun (%)"), max_digits=7, decimal_places=4)
    purpose = models.CharField(_("keperluan"), max_length=255, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diputuskan oleh"),
        db_index=False,
    )
    decided_at = models.DateTimeField(_("diputuskan"), null=True, blank=True)
    decision_reason = models.TextField(_("alasan keputusan"), blank=True)
    idempotency_key = models.CharField(_("kunci idempotensi"), max_length=200)
    created_at = models.DateTimeField(_("diajukan"), auto_now_add=True)

    class Meta:
        verbose_name = _("pengajuan pinjaman")
        verbose_name_plural = _("pengajuan pinjaman")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0) & Q(tenor_months__gte=1), name="lending_application_terms"
            ),
            models.CheckConstraint(
                condition=~Q(decided_by=F("applicant")), name="lending_application_not_self_decided"
            ),
            # idempotency_key: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["idempotency_key"], name="lending_application_key_unique"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.applicant} Rp{self.amount:,}"

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("Berjalan")
    CLOSED = "closed", _("Lunas")
    WRITTEN_OFF = "written_off", _("Dihapusbukukan")


class Loan(models.Model):
    application = models.OneToOneField(Application, on_delete=models.PROTECT, related_name="loan")
    lender = models.ForeignKey(
        Lender, on_delete=models.PROTECT, related_name="loans", verbose_name=_("lembaga keuangan")
    )
    # No index: loan products are never deleted and nothing lists a product's loans.
    product = models.ForeignKey(LoanProduct, on_delete=models.PROTECT, related_name="loans", db_index=False)
    borrower = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="loans", verbose_name=_("peminjam")
    )
    # No index: ledger accounts are never deleted and the wallet is only read through the loan.
    wallet = models.ForeignKey("payments.Account", on_delete=models.PROTECT, related_name="+", db_index=False)
    principal = models.BigIntegerField(_("pokok"))
    annual_rate = models.DecimalField(_("bunga per tahun (%)"), max_digits=7, decimal_places=4)
    tenor_months = models.PositiveSmallIntegerField(_("tenor (bulan)"))
    interest_method = models.CharField(_("metode bunga"), max_length=24)
    amortization = models.CharField(_("angsuran"), max_length=24)
    grace_principal_months = models.PositiveSmallIntegerField(default=0)
    grace_interest_months = models.PositiveSmallIntegerField(default=0)
    disbursement_fee = models.BigIntegerField(_("biaya provisi"), default=0)
    disbursed_on = models.DateField(_("tanggal pencairan"))
    status = models.CharField(_("status"), max_length=16, choices=LoanStatus.choices, default=LoanStatus.ACTIVE)
    standing_instruction = models.BooleanField(_("potong otomatis dari dompet"), default=True)
    principal_outstanding = models.BigIntegerField(_("sisa pokok"))
    days_past_due = models.PositiveIntegerField(_("hari tunggakan"), default=0)
    bucket = models.CharField(_("kelompok tunggakan"), max_length=8, default="0")
    max_days_past_due = models.PositiveIntegerField(_("tunggakan terlama (hari)"), default=0)
    written_off_amount = models.BigIntegerField(_("pokok dihapusbukukan"), default=0)
    recovered_amount = models.BigIntegerField(_("pemulihan"), default=0)
    closed_on = models.DateField(_("tanggal ditutup"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("pinjaman")
        verbose_name_plural = _("pinjaman")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(principal__gt=0)
                & Q(principal_outstanding__gte=0)
                & Q(principal_outstanding__lte=F("principal")),
                name="lending_loan_principal",
            ),
            models.CheckConstraint(
                condition=Q(recovered_amount__gte=0) & Q(recovered_amount__lte=F("written_off_amount")),
                name="lending_loan_recovery",
            ),
        ]

    def __str__(self) -> str:
        return f"Pinjaman #{self.pk} {self.borrower}"

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)


class Instalment(models.Model):
    # Not indexed alone: the unique constraint "lending_instalment_unique_number" leads with this column.
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="instalments", db_index=False)
    number = models.PositiveSmallIntegerField(_("angsuran ke"))
    due_date = models.DateField(_("jatuh tempo"))
    principal = models.BigIntegerField(_("pokok"))
    interest = models.BigIntegerField(_("bunga"))
    fee = models.BigIntegerField(_("biaya"), default=0)
    penalty = models.BigIntegerField(_("denda"), default=0)
    paid_principal = models.BigIntegerField(default=0)
    paid_interest = models.BigIntegerField(default=0)
    paid_fee = models.BigIntegerField(default=0)
    paid_penalty = models.BigIntegerField(default=0)
    penalty_charged_on = models.DateField(null=True, blank=True)
    paid_on = models.DateField(_("lunas pada"), null=True, blank=True)

    class Meta:
        verbose_name = _("angsuran")
        verbose_name_plural = _("angsuran")
        ordering = ["loan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="lending_instalment_unique_number"),
            models.CheckConstraint(
                condition=Q(paid_principal__gte=0, paid_principal__lte=F("principal"))
                & Q(paid_interest__gte=0, paid_interest__lte=F("interest"))
                & Q(paid_fee__gte=0, paid_fee__lte=F("fee"))
                & Q(paid_penalty__gte=0, paid_penalty__lte=F("penalty")),
                name="lending_instalment_not_overpaid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}/{self.number}"

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee + self.penalty

    @property
    def paid(self) -> int:
        return self.paid_principal + self.paid_interest + self.paid_fee + self.paid_penalty

    @property
    def unpaid(self) -> int:
        return self.total - self.paid


class TransactionKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Pencairan")
    REPAYMENT = "repayment", _("Pembayaran angsuran")
    AUTO_DEBIT = "auto_debit", _("Potong otomatis")
    PREPAYMENT = "prepayment", _("Pelunasan dipercepat")
    PENALTY = "penalty", _("Denda keterlambatan")
    WRITE_OFF = "write_off", _("Hapus buku")
    RECOVERY = "recovery", _("Pemulihan")


class LoanTransaction(models.Model):
    loan = models.ForeignKey(Loan, on_delete=models.PROTECT, related_name="transactions", verbose_name=_("pinjaman"))
    kind = models.CharField(_("jenis"), max_length=16, choices=TransactionKind.choices)
    on_date = models.DateField(_("tanggal"))
    amount = models.BigIntegerField(_("jumlah"))
    principal = models.BigIntegerField(default=0, verbose_name=_("pokok"))
    interest = models.BigIntegerField(default=0, verbose_name=_("bunga"))
    fee = models.BigIntegerField(default=0)
    penalty = models.BigIntegerField(default=0, verbose_name=_("denda"))
    # The part that prepaid principal (plus deferred interest at payoff) after instalment
    # `after_instalment`: replayed through schedule.prepay to rebuild the current schedule.
    prepaid = models.BigIntegerField(_("pelunasan dipercepat"), default=0)
    after_instalment = models.PositiveSmallIntegerField(null=True, blank=True)
    idempotency_key = models.CharField(_("kunci idempotensi"), max_length=200)
    entries = models.ManyToManyField(
        "payments.JournalEntry", through="LoanTransactionEntry", related_name="+", blank=True
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("waktu"), auto_now_add=True)

    class Meta:
        verbose_name = _("transaksi pinjaman")
        verbose_name_plural = _("transaksi pinjaman")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0)
                & Q(principal__gte=0)
                & Q(interest__gte=0)
                & Q(fee__gte=0)
                & Q(penalty__gte=0),
                name="lending_transaction_not_negative",
            ),
            # idempotency_key: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["idempotency_key"], name="lending_transaction_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} Rp{self.amount:,}"


class LoanEvent(SubjectEventMixin, Event):
    """The audit trail: every step of an application and a loan, with who and when (a row of
    core_event). The subject is the loan, else the application, else the lender; `data` keeps
    the lender (and the application of an event about both), so every timeline finds it."""

    SUBJECTS: ClassVar[dict[str, str]] = {"loan": "loan", "application": "loanapp", "lender": "lender"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {
        "loan": "lending.Loan",
        "application": "lending.Application",
        "lender": "lending.Lender",
    }
    ALIASES: ClassVar[dict[str, str]] = {"kind": "action", "message": "note"}

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("catatan audit pinjaman")
        verbose_name_plural = _("catatan audit pinjaman")

    @classmethod
    def record(cls, *, actor: Any = None, at: Any = None, **fields: Any) -> Self:
        data = dict(fields.pop("data", None) or {})
        lender, application, loan = fields.get("lender"), fields.get("application"), fields.get("loan")
        if lender is not None:
            data["lender"] = getattr(lender, "pk", lender)
        if application is not None and loan is not None:
            data["application"] = getattr(application, "pk", application)
        return super().record(actor=actor, at=at, data=data, **fields)

    @classmethod
    def translate_lookups(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        if "lender" in kwargs or "lender_id" in kwargs:
            kwargs = {**kwargs}
            lender = kwargs.pop("lender", None) or kwargs.pop("lender_id", None)
            kwargs["data__lender"] = getattr(lender, "pk", lender)
        return super().translate_lookups(kwargs)

    @classmethod
    def timeline(cls, obj: models.Model) -> Any:
        if isinstance(obj, Lender):
            return cls.objects.filter(data__lender=obj.pk)
        if isinstance(obj, Application):
            loans = Loan.objects.filter(application=obj.pk).values("pk")
            return cls.objects.filter(
                Q(subject_type="loanapp", subject_id=obj.pk)
                | Q(subject_type="loan", subject_id__in=loans, data__application=obj.pk)
            )
        return cls.objects.filter(subject_type="loan", subject_id=obj.pk)

    @property
    def lender_id(self) -> int | None:
        value = self.data_value("lender")
        return int(value) if value is not None else None

    @property
    def application_id(self) -> int | None:
        if self.subject_type == "loanapp":
            return self.subject_id
        value = self.data_value("application")
        return int(value) if value is not None else None

    @property
    def loan_id(self) -> int | None:
        return self.subject_id if self.subject_type == "loan" else None

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.kind}"


# A many-to-many link table whose primary key is the pair itself (composite key, Django 5.2):
# no surrogate id and no index of its own on the first column, which leads the key (issue 17:
# two pg_class rows fewer per kelurahan schema than an auto-created through table).


class LenderOfficer(models.Model):
    """A lender's officer (Lender.officers)."""

    pk = models.CompositePrimaryKey("lender_id", "user_id")
    lender = models.ForeignKey(Lender, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "lending_lender_officers"
        verbose_name = _("petugas pemberi pinjaman")
        verbose_name_plural = _("petugas pemberi pinjaman")

    def __str__(self) -> str:
        return f"{self.lender_id} ← {self.user_id}"


class LoanTransactionEntry(models.Model):
    """A ledger journal entry posted for a loan transaction (LoanTransaction.entries)."""

    pk = models.CompositePrimaryKey("loantransaction_id", "journalentry_id")
    loantransaction = models.ForeignKey(LoanTransaction, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Not indexed: journal entries are immutable (the ledger's triggers refuse DELETE) and the
    # field has no reverse accessor (related_name="+"); entries are only read per transaction.
    journalentry = models.ForeignKey(
        "payments.JournalEntry", on_delete=models.CASCADE, related_name="+", db_index=False
    )

    class Meta:
        db_table = "lending_loantransaction_entries"
        verbose_name = _("jurnal transaksi pinjaman")
        verbose_name_plural = _("jurnal transaksi pinjaman")

    def __str__(self) -> str:
        return f"{self.loantransaction_id} → {self.journalentry_id}"


for _subject in (Lender, Application, Loan):
    LoanEvent.register(_subject)
