"""UMKM invoices (faktur): the invoice, its lines and its event log, in the seller's schema.

Payment goes through `payments.PaymentRequest` (reference "invoice:<number>"), never a table of
our own: `open_request` is the bill for what is still open, a partial payment is followed by a
new bill for the remainder. `disputed` is changed only under the invoice's row lock, the lock
financing (issue 20 part 3) will take before it finances an invoice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents

from . import workflow


class Invoice(models.Model):
    class Status(models.TextChoices):
        SENT = workflow.SENT, _("Terkirim")
        VIEWED = workflow.VIEWED, _("Sudah dilihat")
        PARTLY_PAID = workflow.PARTLY_PAID, _("Dibayar sebagian")
        PAID = workflow.PAID, _("Lunas")
        OVERDUE = workflow.OVERDUE, _("Lewat jatuh tempo")
        CANCELLED = workflow.CANCELLED, _("Dibatalkan")

    class Source(models.TextChoices):
        PROCUREMENT = "procurement", _("Pengadaan (barang diterima)")
        ORDER = "order", _("Pesanan pasar")
        MANUAL = "manual", _("Dibuat sendiri")

    # Not indexed alone: the unique constraint "invoicing_number_per_shop" leads with this column.
    shop = models.ForeignKey(
        "marketplace.Shop", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("toko")
    )
    number = models.CharField(_("nomor faktur"), max_length=40)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    source = models.CharField(_("asal"), max_length=16, choices=Source.choices, default=Source.MANUAL)
    # "procurement:<purchase order id>", "order:<order id>": one invoice per source document.
    source_key = models.CharField(_("dokumen asal"), max_length=64, blank=True)
    buyer_name = models.CharField(_("kepada"), max_length=150)
    buyer_address = models.CharField(_("alamat pembeli"), max_length=255, blank=True)
    # Addressed to this kelurahan's own office (procurement): its staff see and pay it.
    buyer_is_office = models.BooleanField(_("kantor kelurahan"), default=False)
    # Addressed to an OPD of the kota (its reports.Opd code): a public `tenancy.InvoiceRoute`
    # lets the kota's staff see and pay it (apps/invoicing/routes.py).
    buyer_opd = models.CharField(_("OPD kota"), max_length=32, blank=True)
    buyer_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="invoices_received",
        verbose_name=_("akun pembeli"),
    )
    issue_date = models.DateField(_("tanggal faktur"))
    terms_days = models.PositiveSmallIntegerField(_("tempo (hari)"))
    due_date = models.DateField(_("jatuh tempo"))
    subtotal = models.BigIntegerField(_("jumlah sebelum pajak (Rp)"))
    tax_percent = models.PositiveSmallIntegerField(_("PPN (%)"), default=0)
    tax = models.BigIntegerField(_("PPN (Rp)"), default=0)
    total = models.BigIntegerField(_("total (Rp)"))
    amount_paid = models.BigIntegerField(_("sudah dibayar (Rp)"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.SENT)
    status_reason = models.TextField(_("alasan"), blank=True)
    notes = models.TextField(_("catatan"), blank=True)
    # Changed only under this row's lock (services.set_dispute); financing refuses a disputed invoice.
    disputed = models.BooleanField(_("disengketakan"), default=False)
    # The bill for what is still open; never queried by it (found by its reference), so no index.
    open_request = models.ForeignKey(
        "payments.PaymentRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        verbose_name=_("tagihan terbuka"),
    )
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    next_reminder_on = models.DateField(_("pengingat berikutnya"), null=True, blank=True)
    viewed_at = models.DateTimeField(_("dilihat"), null=True, blank=True)
    paid_at = models.DateTimeField(_("lunas"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)

    class Meta:
        verbose_name = _("faktur")
        verbose_name_plural = _("faktur")
        ordering = ["-issue_date", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["shop", "year", "sequence"], name="invoicing_number_per_shop"),
            models.UniqueConstraint(fields=["number"], name="invoicing_number_unique"),
            models.UniqueConstraint(
                fields=["source_key"], condition=~Q(source_key=""), name="invoicing_one_per_source"
            ),
            models.CheckConstraint(condition=Q(status__in=workflow.STATUSES), name="invoicing_status_known"),
            models.CheckConstraint(
                condition=Q(subtotal__gt=0, tax__gte=0, total=F("subtotal") + F("tax")), name="invoicing_totals"
            ),
            models.CheckConstraint(condition=Q(amount_paid__gte=0), name="invoicing_paid_not_negative"),
            models.CheckConstraint(
                condition=~Q(status=workflow.CANCELLED) | ~Q(status_reason=""), name="invoicing_cancel_has_reason"
            ),
            models.CheckConstraint(condition=Q(due_date__gte=F("issue_date")), name="invoicing_due_after_issue"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)

    @property
    def remaining(self) -> int:
        return max(self.total - self.amount_paid, 0)

    @property
    def is_open(self) -> bool:
        return self.status in workflow.OPEN


class InvoiceLine(models.Model):
    # Not indexed alone: the unique constraint "invoicing_line_position" leads with this column.
    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", db_index=False)
    position = models.PositiveSmallIntegerField(_("urutan"))
    description = models.CharField(_("uraian"), max_length=255)
    quantity = models.DecimalField(_("jumlah"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("satuan"), max_length=30)
    unit_price = models.BigIntegerField(_("harga satuan (Rp)"))
    amount = models.BigIntegerField(_("jumlah harga (Rp)"))

    class Meta:
        verbose_name = _("baris faktur")
        verbose_name_plural = _("baris faktur")
        ordering = ["invoice", "position"]
        constraints = [
            models.UniqueConstraint(fields=["invoice", "position"], name="invoicing_line_position"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="invoicing_line_quantity_positive"),
            models.CheckConstraint(condition=Q(unit_price__gte=0, amount__gte=0), name="invoicing_line_money"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.quantity} {self.unit})"


class InvoiceEvent(SubjectEventMixin, Event):
    """What happened to an invoice: issued, viewed, a payment (one row per paid bill), overdue,
    reminder, cancelled, dispute. Written once, never edited (a row of core_event, subject
    "invoice"; the amount is in `data`, a payment's bill in `ref_id`, once: core_event_ref_once)."""

    class Action(models.TextChoices):
        ISSUE = "issue", _("Diterbitkan")
        VIEW = "view", _("Dilihat pembeli")
        REQUEST = "request", _("Tagihan dibuat")
        PAYMENT = "payment", _("Pembayaran diterima")
        LATE_PAYMENT = "late_payment", _("Pembayaran setelah dibatalkan")
        OVERDUE = "overdue", _("Lewat jatuh tempo")
        REMINDER = "reminder", _("Pengingat dikirim")
        CANCEL = "cancel", _("Dibatalkan")
        DISPUTE = "dispute", _("Sengketa")

    SUBJECTS: ClassVar[dict[str, str]] = {"invoice": "invoice"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"invoice": "invoicing.Invoice"}
    ALIASES: ClassVar[dict[str, str]] = {"reason": "note"}
    DATA_FIELDS: ClassVar[tuple[str, ...]] = ("amount",)
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = dict(Action.choices)
    # A paid bill is recorded once (retried tasks and webhooks replay): its id goes to ref_id.
    ONCE_ACTIONS: ClassVar[frozenset[str]] = frozenset({"payment", "late_payment"})

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("riwayat faktur")
        verbose_name_plural = _("riwayat faktur")

    @classmethod
    def record(cls, *, actor: Any = None, at: Any = None, **fields: Any) -> Self:
        request = fields.pop("payment_request", None)
        if request is not None:
            if fields.get("action") in cls.ONCE_ACTIONS:
                fields["ref_id"] = request.pk
            else:
                fields["data"] = {**(fields.get("data") or {}), "payment_request": request.pk}
        return super().record(actor=actor, at=at, **fields)

    @classmethod
    def translate_lookups(cls, kwargs: dict[str, Any]) -> dict[str, Any]:
        if "payment_request" in kwargs:
            kwargs = {**kwargs}
            request = kwargs.pop("payment_request")
            kwargs["ref_id"] = getattr(request, "pk", request)
        return super().translate_lookups(kwargs)

    @property
    def invoice_id(self) -> int:
        return self.subject_id

    @property
    def amount(self) -> int:
        return int(self.data_value("amount", 0))

    @property
    def payment_request_id(self) -> int | None:
        return self.ref_id if self.ref_id is not None else self.data_value("payment_request")

    def __str__(self) -> str:
        return f"{self.invoice_id} {self.action}"


InvoiceEvent.register(Invoice)
