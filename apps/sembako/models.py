"""Sembako Pintar: group pre-orders of staples per RW/kelurahan.

Three tables on purpose (issue 17: every table costs each kelurahan schema): a round, its items,
and one order per household with its lines as JSON (a household's few lines are read and
written with the order, never queried on their own). The B2B purchase is marketplace orders
(placement key "sembako-round:<id>"), payments are apps.payments bills ("sembako:<order id>"),
bansos in kind is an apps.aid distribution, and the home deliveries are apps.fulfillment
deliveries of hand-over orders — no second table for any of them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Round(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Dibuka")
        CLOSED = "closed", _("Ditutup, pembelian ke pemasok")
        ARRIVED = "arrived", _("Barang sudah di hub")
        CANCELLED = "cancelled", _("Dibatalkan")

    title = models.CharField(_("judul"), max_length=120)
    # None: the whole kelurahan; otherwise the households of one RW.
    rw = models.ForeignKey(
        "rtrw.RukunWarga", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("pengelola"),
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.OPEN)
    closes_at = models.DateTimeField(_("ditutup pada"))
    hub = models.ForeignKey(
        "fulfillment.Hub", on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("hub ambil")
    )
    offers_delivery = models.BooleanField(_("bisa diantar ke rumah"), default=True)
    # Bansos in kind: enrolled households redeem a planned distribution of this programme.
    aid_program = models.ForeignKey(
        "aid.Program", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    payment_account = models.ForeignKey(
        "payments.Account", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    purchase_note = models.CharField(_("catatan pembelian"), max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("barang tiba"), null=True, blank=True)

    class Meta:
        verbose_name = _("putaran sembako")
        verbose_name_plural = _("putaran sembako")
        ordering = ["-closes_at", "-id"]
        # The due sweep reads open rounds by closing time; the lists read by status too.
        indexes = [models.Index(fields=["status", "closes_at"], name="sembako_round_due")]

    def __str__(self) -> str:
        return self.title

    @property
    def purchase_key(self) -> str:
        return f"sembako-round:{self.pk}"


class RoundItem(models.Model):
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="items")
    # A product of a supplier shop on the marketplace; None for a free item (bought off-line).
    variant = models.ForeignKey(
        "marketplace.Variant", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    name = models.CharField(_("barang"), max_length=120)
    unit = models.CharField(_("satuan"), max_length=20)
    price = models.BigIntegerField(_("harga putaran (Rp)"))
    commodity = models.CharField(_("komoditas harga pangan"), max_length=80, blank=True)
    cap = models.PositiveIntegerField(_("batas jumlah"), null=True, blank=True)
    ordered = models.PositiveIntegerField(_("sudah dipesan"), default=0)

    class Meta:
        verbose_name = _("barang putaran")
        verbose_name_plural = _("barang putaran")
        ordering = ["round", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="sembako_item_price_positive"),
            models.CheckConstraint(condition=Q(cap__isnull=True) | Q(ordered__lte=F("cap")), name="sembako_item_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.unit})"


class HouseholdOrder(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting", _("Menunggu pembayaran")
        PAID = "paid", _("Lunas")
        HANDED_OVER = "handed", _("Sudah diterima")
        CANCELLED = "cancelled", _("Dibatalkan")

    class Payment(models.TextChoices):
        WALLET = "wallet", _("KotaKitaPay")
        QRIS = "qris", _("QRIS")
        BANSOS = "bansos", _("Bansos sembako")

    class Fulfilment(models.TextChoices):
        PICKUP = "pickup", _("Ambil di hub")
        DELIVERY = "delivery", _("Antar ke rumah")

    # Not indexed alone: the unique constraint "sembako_order_once_per_household" leads with it.
    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="orders", db_index=False)
    household = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("rumah tangga"),
    )
    # [{"item": id, "name", "unit", "quantity", "price"}]: written with the order, read with it.
    lines = models.JSONField(default=list)
    total = models.BigIntegerField(_("total (Rp)"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.AWAITING_PAYMENT)
    paid_method = models.CharField(_("cara bayar"), max_length=8, choices=Payment.choices, blank=True)
    payment_request = models.ForeignKey(
        "payments.PaymentRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    aid_distribution = models.ForeignKey(
        "aid.Distribution", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    fulfilment = models.CharField(_("pengambilan"), max_length=8, choices=Fulfilment.choices)
    address = models.CharField(_("alamat antar"), max_length=255, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    # The hand-over order whose hub delivery apps.fulfillment batches and routes.
    market_order = models.ForeignKey(
        "marketplace.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+", db_index=False
    )
    created_at = models.DateTimeField(_("dipesan"), auto_now_add=True)
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    handed_at = models.DateTimeField(_("diterima"), null=True, blank=True)

    class Meta:
        verbose_name = _("pesanan sembako")
        verbose_name_plural = _("pesanan sembako")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="sembako_order_once_per_household"),
            models.CheckConstraint(condition=Q(total__gt=0), name="sembako_order_total_positive"),
            models.CheckConstraint(
                condition=~Q(paid_method="bansos") | Q(aid_distribution__isnull=False), name="sembako_bansos_has_aid"
            ),
        ]

    def __str__(self) -> str:
        return f"SB-{self.pk or 0:05d}"

    @property
    def reference(self) -> str:
        return f"sembako:{self.pk}"
