"""Bazar digital (a time-boxed market event of the kelurahan) and ArisanGo's UMKM vouchers.

Three tables on purpose (issue 17's schema budget): a stall row carries both a shop's place in
the event and its one promotion (a percentage or a fixed discount on the products it chose),
and a voucher's history lives in the ledger (its own account's postings), not in a table here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.agenda.models import Event as AgendaEvent
from apps.community.models import ArisanRound
from apps.marketplace.models import Shop
from apps.payments.models import Account


class BazarEvent(models.Model):
    name = models.CharField(_("nama bazar"), max_length=120)
    slug = models.SlugField(_("alamat halaman"), max_length=140, db_index=False)
    description = models.TextField(_("keterangan"), blank=True)
    place_name = models.CharField(_("tempat"), max_length=200)
    starts_at = models.DateTimeField(_("mulai"))
    ends_at = models.DateTimeField(_("selesai"))
    # The venue grid the stall map is drawn on (columns x rows).
    grid_columns = models.PositiveSmallIntegerField(_("kolom denah"), default=6)
    grid_rows = models.PositiveSmallIntegerField(_("baris denah"), default=4)
    is_published = models.BooleanField(_("diumumkan"), default=False)
    # One agenda entry per bazar; not indexed (never looked up from the agenda side: schema budget).
    agenda_event = models.ForeignKey(
        AgendaEvent,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
        verbose_name=_("agenda"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        db_index=False,
        verbose_name=_("dibuat oleh"),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)

    class Meta:
        verbose_name = _("bazar")
        verbose_name_plural = _("bazar")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["slug"], name="bazar_event_slug_unique"),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="bazar_event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(grid_columns__gte=1, grid_columns__lte=30, grid_rows__gte=1, grid_rows__lte=30),
                name="bazar_event_grid_size",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Discount(models.TextChoices):
    NONE = "none", _("Tanpa promo")
    PERCENT = "percent", _("Potongan persen")
    FIXED = "fixed", _("Potongan rupiah")


class Stall(models.Model):
    """A shop taking part in a bazar: its stall on the venue grid and its promotion."""

    # Not indexed alone: the unique constraint "bazar_stall_shop_once" leads with this column.
    event = models.ForeignKey(
        BazarEvent, on_delete=models.CASCADE, related_name="stalls", db_index=False, verbose_name=_("bazar")
    )
    # Not indexed: read through the event (the unique constraints lead with it).
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("toko"))
    number = models.PositiveSmallIntegerField(_("nomor lapak"))
    column = models.PositiveSmallIntegerField(_("kolom"))
    row = models.PositiveSmallIntegerField(_("baris"))
    discount = models.CharField(_("promo"), max_length=8, choices=Discount.choices, default=Discount.NONE)
    # percent: 1..90 (% off each unit); fixed: rupiah off each unit (never below Rp0).
    discount_value = models.BigIntegerField(_("besar potongan"), default=0)
    # Product ids of this shop the promotion covers (no many-to-many table: schema budget).
    promo_products = models.JSONField(_("produk promo"), default=list, blank=True)
    created_at = models.DateTimeField(_("didaftarkan"), auto_now_add=True)

    class Meta:
        verbose_name = _("lapak bazar")
        verbose_name_plural = _("lapak bazar")
        ordering = ["event", "number"]
        constraints = [
            models.UniqueConstraint(fields=["event", "shop"], name="bazar_stall_shop_once"),
            models.UniqueConstraint(fields=["event", "number"], name="bazar_stall_number_once"),
            models.CheckConstraint(
                condition=Q(discount="none", discount_value=0)
                | Q(discount="percent", discount_value__gte=1, discount_value__lte=90)
                | Q(discount="fixed", discount_value__gte=1),
                name="bazar_stall_discount_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event} #{self.number} {self.shop}"

    def price_of(self, list_price: int) -> int:
        """The unit price during the event for a promoted product (integer rupiah, rounded
        in the buyer's favour: the discount is rounded up)."""
        if self.discount == Discount.PERCENT:
            off = -(-list_price * int(self.discount_value) // 100)
            return max(0, list_price - off)
        if self.discount == Discount.FIXED:
            return max(0, list_price - int(self.discount_value))
        return list_price


class Voucher(models.Model):
    """An ArisanGo voucher: a round's payout taken as money to spend at local shops.

    Rules (shown on the voucher page): redeemable at any active shop of the kelurahan's pasar,
    in part or in full until the expiry date (partial redemptions leave the rest on the voucher);
    never cashed out before expiry; after the expiry date the rest goes back to the holder's
    wallet by itself. A redemption at a shop's till is final: a shop that refunds goods pays the
    buyer back from its own sales account, not onto the voucher. A pasar order paid (in part)
    with the voucher at checkout (services/checkout.py) that is cancelled, expires unpaid or is
    refunded gives its voucher part back onto the voucher, or to the wallet once it expired."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Berlaku")
        USED = "used", _("Habis dipakai")
        EXPIRED = "expired", _("Kedaluwarsa, sisa kembali ke dompet")

    code = models.CharField(_("kode"), max_length=16)  # what the holder shows and the API names
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pemegang")
    )
    round = models.OneToOneField(
        ArisanRound, on_delete=models.PROTECT, related_name="voucher", verbose_name=_("putaran arisan")
    )
    # Its own ledger account (opened with the voucher's code, so one per voucher): the balance
    # is what the voucher still promises. Not indexed: read from the voucher, never the other way.
    account = models.ForeignKey(
        Account, on_delete=models.PROTECT, related_name="+", db_index=False, verbose_name=_("akun")
    )
    value = models.BigIntegerField(_("nilai"))
    remaining = models.BigIntegerField(_("sisa"))
    expires_on = models.DateField(_("berlaku sampai"))
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.ACTIVE)
    created_at = models.DateTimeField(_("diterbitkan"), auto_now_add=True)
    closed_at = models.DateTimeField(_("ditutup"), null=True, blank=True)

    class Meta:
        verbose_name = _("voucher UMKM")
        verbose_name_plural = _("voucher UMKM")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["code"], name="bazar_voucher_code_unique"),
            models.CheckConstraint(
                condition=Q(value__gt=0, remaining__gte=0, remaining__lte=F("value")), name="bazar_voucher_amounts"
            ),
            models.CheckConstraint(condition=Q(status="active") | Q(remaining=0), name="bazar_voucher_closed_is_empty"),
        ]

    def __str__(self) -> str:
        return self.code
