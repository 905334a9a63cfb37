"""Tenant billing for the franchise operator (public schema only).

* `PlanTerms`: what a plan (`apps.tenancy.models.Plan`) costs a tenant: a monthly subscription in
  integer rupiah and the operator's share of the marketplace platform fees, in basis points.
* `TenantStatusEvent`: when a tenant became active or suspended (fed by a post_save receiver on
  Tenant), so a subscription can be prorated by the days the tenant was active.
* `Invoice` + `InvoiceLine`: one live invoice per tenant and month, computed from the metered
  facts in `apps.analytics.models.DailyFact`. A correction voids the live invoice and issues a
  numbered revision that points at the one it replaces; nothing is ever edited in place.

Invoices keep a copy of the tenant's name, region and plan: they outlive a removed tenant.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from apps.tenancy.models import Plan, Tenant

BPS_DENOMINATOR = 10_000


class PlanTerms(models.Model):
    plan = models.CharField(_("paket"), max_length=32, choices=Plan.choices, unique=True)
    monthly_fee = models.BigIntegerField(_("langganan per bulan (Rp)"))
    fee_share_bps = models.PositiveIntegerField(
        _("bagian operator dari biaya transaksi (basis poin)"),
        help_text=_("10.000 basis poin = 100% dari biaya platform pasar UMKM."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("ketentuan paket")
        verbose_name_plural = _("ketentuan paket")
        ordering = ["plan"]
        constraints = [
            models.CheckConstraint(condition=Q(monthly_fee__gte=0), name="billing_terms_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(fee_share_bps__gte=0) & Q(fee_share_bps__lte=BPS_DENOMINATOR),
                name="billing_terms_share_within_100_percent",
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_plan_display())


class TenantStatusEvent(models.Model):
    """The tenant's status from `at` on (until the next event)."""

    tenant = models.ForeignKey(Tenant, on_delete=models.CASCADE, related_name="status_events")
    status = models.CharField(_("status"), max_length=16, choices=Tenant.Status.choices)
    at = models.DateTimeField(_("sejak"))

    class Meta:
        verbose_name = _("riwayat status tenant")
        verbose_name_plural = _("riwayat status tenant")
        ordering = ["tenant_id", "at", "id"]
        indexes = [models.Index(fields=["tenant", "at"], name="billing_status_tenant_at")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.status} {self.at:%Y-%m-%d %H:%M}"


class Invoice(models.Model):
    class Status(models.TextChoices):
        ISSUED = "issued", _("Terbit")
        PAID = "paid", _("Lunas")
        VOID = "void", _("Batal")

    number = models.CharField(_("nomor"), max_length=64, unique=True)
    tenant = models.ForeignKey(
        Tenant, null=True, blank=True, on_delete=models.SET_NULL, related_name="invoices", verbose_name=_("tenant")
    )
    tenant_name = models.CharField(_("nama tenant"), max_length=150)
    region_code = models.CharField(_("kode wilayah"), max_length=13, blank=True)
    plan = models.CharField(_("paket"), max_length=32, choices=Plan.choices)
    period = models.DateField(_("periode"), help_text=_("Tanggal 1 bulan yang ditagih."))
    revision = models.PositiveSmallIntegerField(_("revisi"), default=1)
    replaces = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="replaced_by",
        verbose_name=_("menggantikan"),
    )
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ISSUED)
    # Terms and metered inputs as they were when the invoice was computed.
    monthly_fee = models.BigIntegerField(_("langganan per bulan (Rp)"))
    fee_share_bps = models.PositiveIntegerField(_("bagian biaya transaksi (basis poin)"))
    days_in_period = models.PositiveSmallIntegerField(_("hari dalam periode"))
    active_days = models.PositiveSmallIntegerField(_("hari aktif"))
    platform_fees = models.BigIntegerField(_("biaya platform tercatat (Rp)"), default=0)
    gmv = models.BigIntegerField(_("nilai transaksi (Rp)"), default=0)
    total = models.BigIntegerField(_("total (Rp)"))
    issued_at = models.DateTimeField(_("diterbitkan"), auto_now_add=True)
    due_date = models.DateField(_("jatuh tempo"))
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    payment_reference = models.CharField(_("referensi pembayaran"), max_length=120, blank=True)
    voided_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)
    void_reason = models.CharField(_("alasan batal"), max_length=255, blank=True)
    # Platform users live in the public schema; no DB constraint (see tenancy.ActivationJob).
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        verbose_name = _("tagihan")
        verbose_name_plural = _("tagihan")
        ordering = ["-period", "tenant_name", "-revision"]
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "period"],
                condition=~Q(status="void"),
                name="billing_one_live_invoice_per_tenant_month",
            ),
            models.UniqueConstraint(fields=["tenant", "period", "revision"], name="billing_invoice_revision_once"),
            models.CheckConstraint(condition=Q(total__gte=0), name="billing_invoice_total_not_negative"),
            models.CheckConstraint(
                condition=Q(active_days__lte=models.F("days_in_period")), name="billing_invoice_days_within_period"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["issued", "paid", "void"]), name="billing_invoice_status_known"
            ),
            models.CheckConstraint(
                condition=~Q(status="paid") | Q(paid_at__isnull=False), name="billing_invoice_paid_has_date"
            ),
        ]
        indexes = [models.Index(fields=["status", "period"], name="billing_invoice_status_period")]

    def __str__(self) -> str:
        return self.number

    @property
    def is_outstanding(self) -> bool:
        return self.status == self.Status.ISSUED


class InvoiceLine(models.Model):
    class Kind(models.TextChoices):
        SUBSCRIPTION = "subscription", _("Langganan")
        FEE_SHARE = "fee_share", _("Bagian biaya transaksi")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines")
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    description = models.CharField(_("uraian"), max_length=255)
    amount = models.BigIntegerField(_("jumlah (Rp)"))
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("baris tagihan")
        verbose_name_plural = _("baris tagihan")
        ordering = ["invoice_id", "position", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="billing_line_amount_not_negative"),
            models.UniqueConstraint(fields=["invoice", "kind"], name="billing_line_kind_once"),
        ]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"
