"""B2G procurement: purchase requests with items, UMKM quotes (every revision kept), evaluations
with scores and a written rationale, the award, the purchase order with delivery, acceptance and
payment, and the event log. All rows live in the tenant's schema (tenant-only app)."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents

from . import workflow

# A delivery point must lie inside Indonesia's bounding box (with a small margin).
LAT_MIN, LAT_MAX = -11.5, 6.5
LNG_MIN, LNG_MAX = 94.5, 141.5


class PurchaseRequest(models.Model):
    """What a kelurahan or OPD wants to buy from local UMKM, with a budget ceiling and a deadline."""

    class Status(models.TextChoices):
        DRAFT = workflow.DRAFT, _("Draf")
        OPEN = workflow.OPEN, _("Menerima penawaran")
        EVALUATED = workflow.EVALUATED, _("Sudah dievaluasi")
        AWARDED = workflow.AWARDED, _("Pemenang ditetapkan")
        ORDERED = workflow.ORDERED, _("Surat pesanan terbit")
        DELIVERED = workflow.DELIVERED, _("Barang dikirim")
        ACCEPTED = workflow.ACCEPTED, _("Barang diterima")
        PAID = workflow.PAID, _("Lunas")
        CANCELLED = workflow.CANCELLED, _("Dibatalkan")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(_("judul"), max_length=200)
    description = models.TextField(_("keterangan"), blank=True)
    unit_name = models.CharField(_("unit pemesan"), max_length=150)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("dibuat oleh"),
        db_index=False,
    )
    budget_ceiling = models.BigIntegerField(_("pagu anggaran (Rp)"))
    # Not indexed alone: every query by deadline also filters by status, which leads
    # "procurement_open_idx" (status, quote_deadline).
    quote_deadline = models.DateTimeField(_("batas penawaran"))
    delivery_address = models.CharField(_("alamat pengiriman"), max_length=255)
    delivery_lat = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_lng = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_date = models.DateField(_("tanggal pengiriman"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    status_reason = models.TextField(_("alasan"), blank=True)
    published_at = models.DateTimeField(_("diumumkan"), null=True, blank=True)
    created_at = models.DateTimeField(_("dibuat"), default=timezone.now)
    updated_at = models.DateTimeField(_("diperbarui"), default=timezone.now)

    class Meta:
        verbose_name = _("permintaan pengadaan")
        verbose_name_plural = _("permintaan pengadaan")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=workflow.STATUSES), name="procurement_request_status_known"),
            models.CheckConstraint(condition=Q(budget_ceiling__gt=0), name="procurement_request_budget_positive"),
            models.CheckConstraint(
                condition=(Q(delivery_lat__isnull=True) & Q(delivery_lng__isnull=True))
                | Q(
                    delivery_lat__gte=LAT_MIN,
                    delivery_lat__lte=LAT_MAX,
                    delivery_lng__gte=LNG_MIN,
                    delivery_lng__lte=LNG_MAX,
                ),
                name="procurement_request_point_in_indonesia",
            ),
            models.CheckConstraint(
                condition=~Q(status=workflow.CANCELLED) | ~Q(status_reason=""),
                name="procurement_request_cancel_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(status=workflow.DRAFT) | Q(published_at__isnull=False) | Q(status=workflow.CANCELLED),
                name="procurement_request_published_at",
            ),
        ]
        indexes = [models.Index(fields=["status", "quote_deadline"], name="procurement_open_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)

    def deadline_passed(self, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.quote_deadline

    @property
    def status_text(self) -> str:
        """The status as people read it: an open request past its deadline awaits evaluation."""
        if self.status == workflow.OPEN and self.deadline_passed():
            return str(_("Penawaran ditutup, menunggu evaluasi"))
        return str(self.get_status_display())

    @property
    def has_point(self) -> bool:
        return self.delivery_lat is not None and self.delivery_lng is not None


class RequestItem(models.Model):
    """One line of a purchase request: what, how many, and (optionally) its KBLI category."""

    # Not indexed alone: the unique constraint "procurement_item_position_once" leads with this column.
    request = models.ForeignKey(PurchaseRequest, on_delete=models.CASCADE, related_name="items", db_index=False)
    position = models.PositiveSmallIntegerField(_("urutan"))
    description = models.CharField(_("uraian barang/jasa"), max_length=255)
    quantity = models.DecimalField(_("jumlah"), max_digits=12, decimal_places=2)
    unit = models.CharField(_("satuan"), max_length=30)
    kbli_code = models.CharField(
        _("KBLI"), max_length=5, blank=True, help_text=_("2 digit (golongan pokok) sampai 5 digit; boleh kosong.")
    )

    class Meta:
        verbose_name = _("barang yang diminta")
        verbose_name_plural = _("barang yang diminta")
        ordering = ["request", "position"]
        constraints = [
            models.UniqueConstraint(fields=["request", "position"], name="procurement_item_position_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="procurement_item_quantity_positive"),
            models.CheckConstraint(condition=Q(kbli_code__regex=r"^(\d{2,5})?$"), name="procurement_item_kbli_format"),
        ]

    def __str__(self) -> str:
        return f"{self.description} ({self.quantity} {self.unit})"


class Quote(models.Model):
    """A UMKM's current offer on a request (one per UMKM and request; each revision is kept).

    `business_name`, `permit_number` and `kbli_code` are copied from the izin usaha mikro that
    made the UMKM eligible when it quoted, so later changes to the permit do not rewrite it."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Not indexed alone: the unique constraint "procurement_quote_once_per_supplier" leads with this column.
    request = models.ForeignKey(
        PurchaseRequest, on_delete=models.PROTECT, related_name="quotes", db_index=False, verbose_name=_("permintaan")
    )
    supplier = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="procurement_quotes", verbose_name=_("UMKM")
    )
    business_name = models.CharField(_("nama usaha"), max_length=150)
    permit_number = models.CharField(_("nomor izin usaha"), max_length=64, blank=True)
    kbli_code = models.CharField(_("KBLI izin"), max_length=5, blank=True)
    total = models.BigIntegerField(_("total (Rp)"))
    delivery_date = models.DateField(_("tanggal kirim"))
    notes = models.TextField(_("catatan"), blank=True)
    revision = models.PositiveIntegerField(_("revisi ke"), default=1)
    submitted_at = models.DateTimeField(_("pertama diajukan"), default=timezone.now)
    revised_at = models.DateTimeField(_("terakhir diubah"), default=timezone.now)

    class Meta:
        verbose_name = _("penawaran")
        verbose_name_plural = _("penawaran")
        ordering = ["total", "revised_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["request", "supplier"], name="procurement_quote_once_per_supplier"),
            models.CheckConstraint(condition=Q(total__gt=0), name="procurement_quote_total_positive"),
            models.CheckConstraint(condition=Q(revision__gte=1), name="procurement_quote_revision_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.business_name} — {self.request}"


class QuoteLine(models.Model):
    """The current price of one requested item in a quote."""

    # Not indexed alone: the unique constraint "procurement_quote_line_once" leads with this column.
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="lines", db_index=False)
    # No index: request items are never deleted (only created with their request; read-only admin)
    # and lines are read per quote, never per item.
    item = models.ForeignKey(RequestItem, on_delete=models.PROTECT, related_name="quote_lines", db_index=False)
    unit_price = models.BigIntegerField(_("harga satuan (Rp)"))
    total = models.BigIntegerField(_("jumlah (Rp)"))

    class Meta:
        verbose_name = _("harga barang")
        verbose_name_plural = _("harga barang")
        ordering = ["quote", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "item"], name="procurement_quote_line_once"),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="procurement_quote_line_price_positive"),
            models.CheckConstraint(condition=Q(total__gt=0), name="procurement_quote_line_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.item.description}: {self.unit_price}"


class QuoteRevision(models.Model):
    """A snapshot of a quote as submitted (revision 1) or revised (2, 3, ...). Never edited."""

    # Not indexed alone: the unique constraint "procurement_revision_once" leads with this column.
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="revisions", db_index=False)
    number = models.PositiveIntegerField(_("revisi ke"))
    total = models.BigIntegerField(_("total (Rp)"))
    delivery_date = models.DateField(_("tanggal kirim"))
    notes = models.TextField(_("catatan"), blank=True)
    lines = models.JSONField(_("harga per barang"), default=list)
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)

    class Meta:
        verbose_name = _("riwayat penawaran")
        verbose_name_plural = _("riwayat penawaran")
        ordering = ["quote", "number"]
        constraints = [
            models.UniqueConstraint(fields=["quote", "number"], name="procurement_revision_once"),
            models.CheckConstraint(condition=Q(total__gt=0), name="procurement_revision_total_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id} #{self.number}"


class Evaluation(models.Model):
    """Staff's scoring of every quote after the deadline, with the written rationale. A
    re-evaluation adds a new row; the latest one is what an award refers to."""

    request = models.ForeignKey(
        PurchaseRequest, on_delete=models.PROTECT, related_name="evaluations", verbose_name=_("permintaan")
    )
    # No index: users are deactivated, never deleted, and nothing lists an evaluator's evaluations.
    evaluator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("penilai"), db_index=False
    )
    rationale = models.TextField(_("alasan penilaian"))
    created_at = models.DateTimeField(_("waktu"), default=timezone.now)

    class Meta:
        verbose_name = _("evaluasi penawaran")
        verbose_name_plural = _("evaluasi penawaran")
        ordering = ["request", "-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=~Q(rationale=""), name="procurement_evaluation_has_rationale"),
        ]

    def __str__(self) -> str:
        return f"{self.request} ({self.created_at:%Y-%m-%d %H:%M})"


class QuoteScore(models.Model):
    """One quote's scores (0..100) on price, delivery and quality, and their weighted total."""

    # Not indexed alone: the unique constraint "procurement_score_once" leads with this column.
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="scores", db_index=False)
    # No index: quotes are never deleted and scores are read per evaluation, never per quote.
    quote = models.ForeignKey(Quote, on_delete=models.PROTECT, related_name="scores", db_index=False)
    price = models.PositiveSmallIntegerField(_("nilai harga"))
    delivery = models.PositiveSmallIntegerField(_("nilai pengiriman"))
    quality = models.PositiveSmallIntegerField(_("nilai mutu"))
    total = models.DecimalField(_("nilai akhir"), max_digits=5, decimal_places=2)

    class Meta:
        verbose_name = _("nilai penawaran")
        verbose_name_plural = _("nilai penawaran")
        ordering = ["evaluation", "-total", "quote_id"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "quote"], name="procurement_score_once"),
            models.CheckConstraint(
                condition=Q(price__lte=100, delivery__lte=100, quality__lte=100), name="procurement_score_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quote_id}: {self.total}"


class Award(models.Model):
    """The one winning quote of a request. `summary` is public (transparency page)."""

    request = models.OneToOneField(
        PurchaseRequest, on_delete=models.PROTECT, related_name="award", verbose_name=_("permintaan")
    )
    quote = models.OneToOneField(Quote, on_delete=models.PROTECT, related_name="award", verbose_name=_("penawaran"))
    # No index: evaluations are never deleted and an award is read per request or quote, never per evaluation.
    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="awards", db_index=False)
    amount = models.BigIntegerField(_("nilai (Rp)"))
    quote_count = models.PositiveIntegerField(_("jumlah penawaran"))
    # 450, not more: with the other columns the row then never needs a TOAST table (2 pg_class
    # rows per tenant schema, issue 17; apps.core.bounded_text).
    SUMMARY_MAX = 450
    summary = models.CharField(_("ringkasan alasan (publik)"), max_length=SUMMARY_MAX)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("ditetapkan oleh"),
        db_index=False,
    )
    awarded_at = models.DateTimeField(_("tanggal penetapan"), default=timezone.now)

    class Meta:
        verbose_name = _("penetapan pemenang")
        verbose_name_plural = _("penetapan pemenang")
        ordering = ["-awarded_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="procurement_award_amount_positive"),
            models.CheckConstraint(condition=~Q(summary=""), name="procurement_award_has_summary"),
        ]

    def __str__(self) -> str:
        return f"{self.request} → {self.quote.business_name}"


class PurchaseOrder(models.Model):
    """The Surat Pesanan issued to the winner, then its delivery, acceptance and payment."""

    class Payment(models.TextChoices):
        UNPAID = "unpaid", _("Belum dibayar")
        PAID = "paid", _("Sudah dibayar")

    request = models.OneToOneField(
        PurchaseRequest, on_delete=models.PROTECT, related_name="order", verbose_name=_("permintaan")
    )
    award = models.OneToOneField(Award, on_delete=models.PROTECT, related_name="order")
    number = models.CharField(_("nomor surat pesanan"), max_length=64)
    year = models.PositiveSmallIntegerField()
    sequence = models.PositiveIntegerField()
    amount = models.BigIntegerField(_("nilai pesanan (Rp)"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("diterbitkan oleh"),
        db_index=False,
    )
    issued_at = models.DateTimeField(_("tanggal terbit"), default=timezone.now)

    delivered_on = models.DateField(_("tanggal dikirim"), null=True, blank=True)
    delivery_note = models.TextField(_("catatan pengiriman"), blank=True)
    delivered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    accepted_at = models.DateTimeField(_("tanggal diterima"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )
    accepted_amount = models.BigIntegerField(_("nilai diterima (Rp)"), null=True, blank=True)
    partially_accepted = models.BooleanField(_("diterima sebagian"), default=False)
    acceptance_reason = models.TextField(_("alasan penerimaan sebagian"), blank=True)

    payment_status = models.CharField(
        _("status pembayaran"), max_length=8, choices=Payment.choices, default=Payment.UNPAID
    )
    paid_on = models.DateField(_("tanggal bayar"), null=True, blank=True)
    payment_reference = models.CharField(_("referensi pembayaran"), max_length=100, blank=True)
    paid_amount = models.BigIntegerField(_("jumlah dibayar (Rp)"), null=True, blank=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", db_index=False
    )

    class Meta:
        verbose_name = _("surat pesanan")
        verbose_name_plural = _("surat pesanan")
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["year", "sequence"], name="procurement_order_sequence_once"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="procurement_order_amount_positive"),
            models.CheckConstraint(
                condition=Q(accepted_amount__isnull=True) | Q(accepted_amount__gt=0, accepted_amount__lte=F("amount")),
                name="procurement_order_accepted_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(partially_accepted=False) | ~Q(acceptance_reason=""),
                name="procurement_order_partial_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(payment_status="unpaid")
                | (Q(paid_on__isnull=False, paid_amount__isnull=False) & ~Q(payment_reference="")),
                name="procurement_order_paid_has_reference",
            ),
            # number: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["number"], name="procurement_order_number_unique"),
        ]

    def __str__(self) -> str:
        return self.number


class AcceptanceLine(models.Model):
    """How much of one ordered item was accepted on delivery."""

    # Not indexed alone: the unique constraint "procurement_acceptance_once" leads with this column.
    order = models.ForeignKey(PurchaseOrder, on_delete=models.CASCADE, related_name="acceptance_lines", db_index=False)
    # No index: request items are never deleted and acceptance lines are read per order.
    item = models.ForeignKey(RequestItem, on_delete=models.PROTECT, related_name="+", db_index=False)
    ordered_quantity = models.DecimalField(_("dipesan"), max_digits=12, decimal_places=2)
    accepted_quantity = models.DecimalField(_("diterima"), max_digits=12, decimal_places=2)
    amount = models.BigIntegerField(_("nilai diterima (Rp)"))

    class Meta:
        verbose_name = _("penerimaan barang")
        verbose_name_plural = _("penerimaan barang")
        ordering = ["order", "item__position"]
        constraints = [
            models.UniqueConstraint(fields=["order", "item"], name="procurement_acceptance_once"),
            models.CheckConstraint(
                condition=Q(accepted_quantity__gte=0, accepted_quantity__lte=F("ordered_quantity")),
                name="procurement_acceptance_within_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order_id} {self.item_id}: {self.accepted_quantity}/{self.ordered_quantity}"


class ProcurementEvent(SubjectEventMixin, Event):
    """One step on a request: who, when, what (action and details), why (a row of core_event,
    subject "purchase"). Written by services only; a request's timeline is `events_for(request)`."""

    class Action(models.TextChoices):
        CREATE = "create", _("Dibuat")
        PUBLISH = "publish", _("Diumumkan")
        QUOTE = "quote", _("Penawaran masuk")
        REVISE = "revise", _("Penawaran direvisi")
        EVALUATE = "evaluate", _("Dievaluasi")
        AWARD = "award", _("Pemenang ditetapkan")
        CANCEL = "cancel", _("Dibatalkan")
        ORDER = "order", _("Surat pesanan terbit")
        DELIVER = "deliver", _("Barang dikirim")
        ACCEPT = "accept", _("Barang diterima")
        PAY = "pay", _("Pembayaran dicatat")

    SUBJECTS: ClassVar[dict[str, str]] = {"request": "purchase"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"request": "procurement.PurchaseRequest"}
    ALIASES: ClassVar[dict[str, str]] = {"reason": "note"}
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = dict(Action.choices)

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("riwayat pengadaan")
        verbose_name_plural = _("riwayat pengadaan")

    @property
    def request_id(self) -> int:
        return self.subject_id

    def __str__(self) -> str:
        return f"{self.request_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"


ProcurementEvent.register(PurchaseRequest)
