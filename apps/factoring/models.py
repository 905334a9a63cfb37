"""Invoice financing (factoring) in the seller's schema: a lender's product and the financing of
one invoice. Design: docs/design/gov-b2b-fintech.md section 3 ("As built").

Offers are computed (apps.factoring.pricing from the product, the seller's credit assessment and
the buyer's payment history), never stored: accepting one creates the `Financing` row and
disburses the advance in the same transaction. `Financing.invoice` is a OneToOneField, so "an
invoice is financed only once" is a database fact; a disputed invoice is refused under the
invoice's row lock (the lock `invoicing.services.set_dispute` takes).

Money (apps.payments): each lender has one `factoring_receivable` account (code
"factoring:<lender id>:receivable"), negative by the advances its financings still owe it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FeeBasis(models.TextChoices):
    FLAT = "flat", _("Tetap (dari nilai faktur)")
    PER_DAY = "per_day", _("Per hari (dari uang muka)")


class FactoringProduct(models.Model):
    # Not indexed alone: the unique constraint "factoring_product_name" leads with this column.
    lender = models.ForeignKey(
        "lending.Lender", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("lembaga")
    )
    name = models.CharField(_("nama produk"), max_length=120)
    advance_percent = models.PositiveSmallIntegerField(_("uang muka maksimum (% nilai faktur)"))
    fee_basis = models.CharField(_("dasar biaya"), max_length=8, choices=FeeBasis.choices)
    # Basis points (1/100 %): of the face value once (flat), or of the advance per day (per_day).
    fee_bp = models.PositiveIntegerField(_("biaya dasar (basis poin)"))
    limit_per_seller = models.BigIntegerField(_("batas per UMKM (Rp)"))
    limit_per_buyer = models.BigIntegerField(_("batas per pembeli (Rp)"))
    grace_days = models.PositiveSmallIntegerField(_("toleransi setelah jatuh tempo (hari)"), default=30)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("produk pembiayaan faktur")
        verbose_name_plural = _("produk pembiayaan faktur")
        ordering = ["lender", "name"]
        constraints = [
            models.UniqueConstraint(fields=["lender", "name"], name="factoring_product_name"),
            models.CheckConstraint(
                condition=Q(advance_percent__gte=1, advance_percent__lte=100), name="factoring_product_advance"
            ),
            models.CheckConstraint(condition=Q(fee_basis__in=["flat", "per_day"]), name="factoring_product_basis"),
            models.CheckConstraint(
                condition=Q(limit_per_seller__gt=0, limit_per_buyer__gt=0), name="factoring_product_limits"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DISBURSED = "disbursed", _("Dana dicairkan")
    SETTLED = "settled", _("Lunas")
    DEFAULTED = "defaulted", _("Gagal bayar")
    RECOURSE = "recourse", _("Dilunasi penjual (regres)")


OUTSTANDING = (Status.DISBURSED, Status.DEFAULTED)


class Financing(models.Model):
    invoice = models.OneToOneField(
        "invoicing.Invoice", on_delete=models.PROTECT, related_name="+", verbose_name=_("faktur")
    )
    product = models.ForeignKey(
        FactoringProduct, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("produk")
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("penjual")
    )
    # Who owes the invoice: "office", "user:<id>" or "name:<name>" (limits and portfolio per buyer).
    buyer_key = models.CharField(_("kunci pembeli"), max_length=80)
    buyer_name = models.CharField(_("pembeli"), max_length=150)
    face = models.BigIntegerField(_("nilai yang dibiayai (Rp)"))
    advance_percent = models.PositiveSmallIntegerField(_("uang muka (%)"))
    advance = models.BigIntegerField(_("uang muka (Rp)"))
    fee_basis = models.CharField(_("dasar biaya"), max_length=8, choices=FeeBasis.choices)
    fee_bp = models.PositiveIntegerField(_("biaya (basis poin)"))
    fee = models.BigIntegerField(_("biaya (Rp)"), default=0)
    fee_fixed = models.BooleanField(_("biaya sudah tetap"), default=False)
    repaid = models.BigIntegerField(_("uang muka kembali dari pembeli (Rp)"), default=0)
    fee_paid = models.BigIntegerField(_("biaya dibayar (Rp)"), default=0)
    recourse = models.BigIntegerField(_("diambil dari penjual (Rp)"), default=0)
    score_band = models.CharField(_("kelas risiko penjual"), max_length=1, blank=True)
    buyer_days_to_pay = models.PositiveSmallIntegerField(_("rata-rata hari bayar pembeli"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DISBURSED)
    accepted_at = models.DateTimeField(_("diterima"))
    default_on = models.DateField(_("gagal bayar bila belum lunas pada"))
    defaulted_at = models.DateTimeField(_("dinyatakan gagal bayar"), null=True, blank=True)
    settled_at = models.DateTimeField(_("lunas"), null=True, blank=True)

    class Meta:
        verbose_name = _("pembiayaan faktur")
        verbose_name_plural = _("pembiayaan faktur")
        ordering = ["-accepted_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(advance__gt=0, advance__lte=F("face")), name="factoring_financing_advance"
            ),
            models.CheckConstraint(
                condition=Q(repaid__gte=0, recourse__gte=0, repaid__lte=F("advance") - F("recourse")),
                name="factoring_financing_principal",
            ),
            models.CheckConstraint(
                condition=Q(fee__gte=0, fee_paid__gte=0, fee_paid__lte=F("fee")), name="factoring_financing_fee"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["disbursed", "settled", "defaulted", "recourse"]),
                name="factoring_financing_status",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.invoice_id} ({self.get_status_display()})"

    @property
    def outstanding(self) -> int:
        """Advance the lender has not had back yet (from the buyer or by recourse)."""
        return self.advance - self.repaid - self.recourse

    @property
    def fee_due(self) -> int:
        return self.fee - self.fee_paid
