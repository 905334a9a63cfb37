"""Pasar UMKM: shops, catalogue, stock per location, carts and reservations, orders, reviews.

Stock follows Saleor's model: `Stock.quantity` is what physically sits at a location,
`Stock.quantity_allocated` what placed orders hold of it (one `Allocation` row per order line
and stock); a checkout takes time-boxed `Reservation`s that others' availability respects.
What can be sold = quantity - allocated - others' unexpired reservations. The database
refuses negative stock and over-allocation (CHECK constraints), whatever the code does.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from apps.core.audit import Event, SubjectEventManager, SubjectEventMixin, SubjectEvents
from apps.core.files import private_storage, public_storage
from apps.core.jobs.batch import BackgroundJob
from apps.core.jobs.batch import JobPhase as JobPhase  # re-exported: the job states of the import batch
from apps.core.jobs.batch import JobState as JobState

from . import lifecycle

# A point must lie inside Indonesia's bounding box (with a small margin).
LAT_MIN, LAT_MAX = -11.5, 6.5
LNG_MIN, LNG_MAX = 94.5, 141.5


def shop_photo_upload_to(instance: Shop, filename: str) -> str:
    # Public storage, key <schema>/pasar/...; the service picks `filename` from the sniffed type.
    return f"pasar/toko/{uuid.uuid4().hex}/{filename}"


def product_photo_upload_to(instance: ProductPhoto, filename: str) -> str:
    return f"pasar/produk/{uuid.uuid4().hex}/{filename}"


class DeliveryMethod(models.TextChoices):
    PICKUP = "pickup", _("Ambil sendiri di toko")
    HUB = "hub", _("Diantar lewat hub kelurahan")
    OWN = "own", _("Diantar sendiri oleh penjual")


class Shop(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shops", verbose_name=_("pemilik")
    )
    name = models.CharField(_("nama toko"), max_length=120)
    slug = models.SlugField(_("alamat halaman"), max_length=140, db_index=False)
    description = models.TextField(_("deskripsi"), blank=True)
    photo = models.FileField(
        _("foto"), upload_to=shop_photo_upload_to, storage=public_storage, blank=True, max_length=200
    )
    photo_type = models.CharField(max_length=32, blank=True, editable=False)
    address = models.CharField(_("alamat"), max_length=255)
    lat = models.DecimalField(_("lintang"), max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(_("bujur"), max_digits=9, decimal_places=6, null=True, blank=True)
    # {"0": ["07:00", "14:00"], ...}: weekday (Monday = 0) -> opening and closing time.
    opening_hours = models.JSONField(_("jam buka"), default=dict, blank=True)
    offers_pickup = models.BooleanField(_("bisa diambil sendiri"), default=True)
    offers_hub_delivery = models.BooleanField(_("antar lewat hub kelurahan"), default=False)
    offers_own_delivery = models.BooleanField(_("antar sendiri"), default=False)
    own_delivery_fee = models.BigIntegerField(_("ongkos antar sendiri (Rp)"), default=0)
    # The shop's KotaKitaPay settlement account (apps.payments), opened with the shop. No index:
    # ledger accounts are never deleted and nothing looks a shop up by its account.
    payment_account = models.ForeignKey(
        "payments.Account",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rekening penjualan"),
        db_index=False,
    )
    # Pengusaha Kena Pajak: only a PKP may charge PPN, so only its invoices carry tax lines
    # (apps.invoicing). Micro businesses below the PKP turnover threshold usually are not.
    is_pkp = models.BooleanField(
        _("PKP (Pengusaha Kena Pajak)"), default=False, help_text=_("Faktur toko ini memuat PPN.")
    )
    # B2B: business buyers (shop owners) and the kelurahan office may pay by invoice (apps.invoicing,
    # issued on delivery), due `invoice_terms_days` later (services.terms).
    accepts_invoice = models.BooleanField(_("terima bayar dengan faktur (tempo)"), default=False)
    invoice_terms_days = models.PositiveSmallIntegerField(_("tempo faktur (hari)"), default=30)
    verified = models.BooleanField(_("terverifikasi petugas"), default=False)
    verified_reason = models.CharField(_("dasar verifikasi"), max_length=255, blank=True)
    verified_at = models.DateTimeField(_("diverifikasi"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(_("dibuka"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("toko")
        verbose_name_plural = _("toko")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(offers_pickup=True) | Q(offers_hub_delivery=True) | Q(offers_own_delivery=True),
                name="marketplace_shop_some_delivery",
            ),
            models.CheckConstraint(condition=Q(own_delivery_fee__gte=0), name="marketplace_shop_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(invoice_terms_days__gte=1, invoice_terms_days__lte=180), name="marketplace_shop_terms_days"
            ),
            models.CheckConstraint(
                condition=(Q(lat__isnull=True) & Q(lng__isnull=True))
                | Q(lat__gte=LAT_MIN, lat__lte=LAT_MAX, lng__gte=LNG_MIN, lng__lte=LNG_MAX),
                name="marketplace_shop_location_in_indonesia",
            ),
            # slug: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["slug"], name="marketplace_shop_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def delivery_methods(self) -> list[str]:
        offered = [
            (self.offers_pickup, DeliveryMethod.PICKUP),
            (self.offers_hub_delivery, DeliveryMethod.HUB),
            (self.offers_own_delivery, DeliveryMethod.OWN),
        ]
        return [str(method) for on, method in offered if on]


class StockLocation(models.Model):
    """Where stock sits: a shop's own premises, or a hub (hubs come with the fulfillment work;
    anything that holds goods can be one, identified by `code`)."""

    class Kind(models.TextChoices):
        SHOP = "shop", _("Toko")
        HUB = "hub", _("Hub")

    kind = models.CharField(_("jenis"), max_length=8, choices=Kind.choices)
    code = models.SlugField(_("kode"), max_length=64, db_index=False)
    name = models.CharField(_("nama"), max_length=120)
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, null=True, blank=True, related_name="locations", verbose_name=_("toko")
    )
    address = models.CharField(_("alamat"), max_length=255, blank=True)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    is_active = models.BooleanField(_("aktif"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("lokasi stok")
        verbose_name_plural = _("lokasi stok")
        ordering = ["kind", "name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="shop") & Q(shop__isnull=False)) | (Q(kind="hub") & Q(shop__isnull=True)),
                name="marketplace_location_kind_matches_shop",
            ),
            # code: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["code"], name="marketplace_location_code_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    name = models.CharField(_("nama"), max_length=80)
    slug = models.SlugField(max_length=90, db_index=False, verbose_name=_("nama di alamat web"))

    class Meta:
        verbose_name = _("kategori")
        verbose_name_plural = _("kategori")
        ordering = ["name"]
        constraints = [
            # slug: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["slug"], name="marketplace_category_slug_unique"),
            # name: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["name"], name="marketplace_category_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    # Not indexed alone: the index "marketplace_product_shop" leads with this column.
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="products", verbose_name=_("toko"), db_index=False
    )
    name = models.CharField(_("nama produk"), max_length=150)
    description = models.TextField(_("deskripsi"), blank=True)
    categories = models.ManyToManyField(
        Category, through="ProductCategory", blank=True, related_name="products", verbose_name=_("kategori")
    )
    is_active = models.BooleanField(_("dijual"), default=True)
    # Folded text kept by the services (apps.discovery.text): the name, variant names and
    # categories for trigram matching; those plus the shop and description for full text.
    search_name = models.CharField(max_length=400, editable=False, default="")
    search_text = models.TextField(editable=False, default="")
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="simple"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # Kept by the services (apps.marketplace.services.listing.refresh_summaries) whenever a
    # variant, price or stock count changes, so the catalogue reads them without subqueries:
    # the active variants' price range (None: no active variant, not on sale) and whether any
    # active variant has a unit left at an active location (physical − allocated).
    price_min = models.BigIntegerField(null=True, blank=True, editable=False)
    price_max = models.BigIntegerField(null=True, blank=True, editable=False)
    in_stock = models.BooleanField(default=False, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("diubah"))

    class Meta:
        verbose_name = _("produk")
        verbose_name_plural = _("produk")
        ordering = ["name", "id"]
        indexes = [
            GinIndex(fields=["search_vector"], name="marketplace_product_fts"),
            GinIndex(fields=["search_name"], opclasses=["gin_trgm_ops"], name="marketplace_product_trgm"),
            models.Index(fields=["shop", "is_active"], name="marketplace_product_shop"),
        ]

    def __str__(self) -> str:
        return self.name


class ProductPhoto(models.Model):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(_("foto"), upload_to=product_photo_upload_to, storage=public_storage, max_length=200)
    content_type = models.CharField(max_length=32, editable=False)
    position = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("foto produk")
        verbose_name_plural = _("foto produk")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return str(self.file.name)


class Variant(models.Model):
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="variants", verbose_name=_("produk"))
    # Denormalised from product.shop: a SKU is unique within its shop.
    # Not indexed alone: the unique constraint "marketplace_variant_sku_per_shop" leads with this column.
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="+", db_index=False)
    sku = models.CharField(_("SKU"), max_length=64)
    name = models.CharField(_("nama varian"), max_length=100, blank=True)
    price = models.BigIntegerField(_("harga (Rp)"))
    is_active = models.BooleanField(_("dijual"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("varian")
        verbose_name_plural = _("varian")
        ordering = ["product_id", "price", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gt=0), name="marketplace_variant_price_positive"),
            models.CheckConstraint(condition=~Q(sku=""), name="marketplace_variant_sku_required"),
            models.UniqueConstraint(fields=["shop", "sku"], name="marketplace_variant_sku_per_shop"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} — {self.name}" if self.name else self.product.name

    @property
    def label(self) -> str:
        return self.name or str(_("Standar"))


class Stock(models.Model):
    # Not indexed alone: the unique constraint "marketplace_stock_once_per_location" leads with this column.
    variant = models.ForeignKey(
        Variant, on_delete=models.PROTECT, related_name="stocks", db_index=False, verbose_name=_("varian")
    )
    location = models.ForeignKey(
        StockLocation, on_delete=models.PROTECT, related_name="stocks", verbose_name=_("lokasi")
    )
    quantity = models.IntegerField(_("jumlah fisik"), default=0)
    quantity_allocated = models.IntegerField(_("dialokasikan ke pesanan"), default=0)

    class Meta:
        verbose_name = _("stok")
        verbose_name_plural = _("stok")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["variant", "location"], name="marketplace_stock_once_per_location"),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="marketplace_stock_not_negative"),
            models.CheckConstraint(
                condition=Q(quantity_allocated__gte=0) & Q(quantity_allocated__lte=F("quantity")),
                name="marketplace_stock_allocation_within_quantity",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variant_id}@{self.location_id}: {self.quantity} ({self.quantity_allocated})"


class Reservation(models.Model):
    """Units a buyer's checkout holds for a while (RESERVATION_MINUTES); others cannot buy them.
    Keyed by the pair (one reservation per buyer and stock row; every write starts from the buyer)."""

    pk = models.CompositePrimaryKey("buyer_id", "stock_id")
    # Not indexed alone: the primary key leads with this column.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    # Not indexed alone: the index "marketplace_reservation_stock" leads with this column.
    stock = models.ForeignKey(Stock, on_delete=models.CASCADE, related_name="reservations", db_index=False)
    quantity = models.PositiveIntegerField()
    reserved_until = models.DateTimeField(db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("reservasi stok")
        verbose_name_plural = _("reservasi stok")
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="marketplace_reservation_positive"),
        ]
        indexes = [models.Index(fields=["stock", "reserved_until"], name="marketplace_reservation_stock")]

    def __str__(self) -> str:
        return f"{self.buyer_id}: {self.quantity} × {self.stock_id} until {self.reserved_until:%H:%M}"


class CartItem(models.Model):
    """One variant in a buyer's cart, keyed by the pair: the cart page and its form name the
    line by its variant (the buyer being the signed-in user), never by a row id."""

    pk = models.CompositePrimaryKey("buyer_id", "variant_id")
    # Not indexed alone: the primary key leads with this column.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cart_items", db_index=False
    )
    variant = models.ForeignKey(Variant, on_delete=models.CASCADE, related_name="+")
    quantity = models.PositiveIntegerField(_("jumlah"))
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("isi keranjang")
        verbose_name_plural = _("isi keranjang")
        ordering = ["added_at", "variant_id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="marketplace_cart_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.buyer_id}: {self.quantity} × {self.variant_id}"


class Placement(models.Model):
    """One checkout (form submit or API call): its idempotency key and the orders it made."""

    key = models.CharField(_("kunci idempotensi"), max_length=250)
    request_hash = models.CharField(max_length=64)
    # No index: users are never deleted, and the one read by buyer (the web checkout's replay)
    # also filters by the unique key.
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("checkout")
        verbose_name_plural = _("checkout")
        ordering = ["-id"]
        constraints = [
            # key: no varchar_pattern_ops copy: never queried by case-sensitive prefix (schema cost)
            models.UniqueConstraint(fields=["key"], name="marketplace_placement_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.pk} ({self.created_at:%Y-%m-%d %H:%M})"


class Order(models.Model):
    Status = lifecycle.Status

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Not indexed alone: the unique constraint "marketplace_order_one_per_shop_per_checkout" leads with this column.
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="orders", db_index=False)
    # Not indexed alone: the index "marketplace_order_buyer" leads with this column.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="marketplace_orders",
        verbose_name=_("pembeli"),
        db_index=False,
    )
    # Not indexed alone: the index "marketplace_order_shop" leads with this column.
    shop = models.ForeignKey(
        Shop, on_delete=models.PROTECT, related_name="orders", verbose_name=_("toko"), db_index=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=lifecycle.Status.choices, default=lifecycle.Status.AWAITING_PAYMENT
    )
    delivery_method = models.CharField(_("pengiriman"), max_length=8, choices=DeliveryMethod.choices)
    delivery_address = models.CharField(_("alamat kirim"), max_length=255, blank=True)
    # The buyer's map point for delivery, picked at checkout; the hub delivery starts from it.
    delivery_lat = models.DecimalField(_("lintang antar"), max_digits=9, decimal_places=6, null=True, blank=True)
    delivery_lng = models.DecimalField(_("bujur antar"), max_digits=9, decimal_places=6, null=True, blank=True)
    note = models.CharField(_("catatan"), max_length=255, blank=True)
    payment_method = models.CharField(_("cara bayar"), max_length=16, blank=True)
    subtotal = models.BigIntegerField(_("harga barang (Rp)"))
    delivery_fee = models.BigIntegerField(_("ongkos kirim (Rp)"), default=0)
    total = models.BigIntegerField(_("total (Rp)"))
    plan = models.CharField(_("paket tenant"), max_length=32)
    platform_fee_bps = models.PositiveIntegerField(_("biaya platform (basis poin)"))
    platform_fee = models.BigIntegerField(_("biaya platform (Rp)"))
    payment_request = models.ForeignKey(
        "payments.PaymentRequest",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("tagihan"),
    )
    refunded_amount = models.BigIntegerField(_("dana dikembalikan (Rp)"), default=0)
    # Paid in part (or in full) with a voucher at checkout (apps.bazar through events.vouchers):
    # its code and the rupiah it covered; the payment request bills only the rest.
    voucher_code = models.CharField(_("kode voucher"), max_length=16, blank=True)
    voucher_amount = models.BigIntegerField(_("dibayar dengan voucher (Rp)"), default=0)
    expires_at = models.DateTimeField(_("batas bayar"), null=True, blank=True)
    # Paid by invoice (status on_terms): the days to pay agreed at checkout, the shop's terms then.
    terms_days = models.PositiveSmallIntegerField(_("tempo faktur (hari)"), null=True, blank=True)
    created_at = models.DateTimeField(_("dipesan"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    paid_at = models.DateTimeField(_("dibayar"), null=True, blank=True)
    completed_at = models.DateTimeField(_("selesai"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("dibatalkan"), null=True, blank=True)

    class Meta:
        verbose_name = _("pesanan")
        verbose_name_plural = _("pesanan")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=lifecycle.Status.values), name="marketplace_order_status"),
            models.CheckConstraint(condition=Q(subtotal__gt=0), name="marketplace_order_subtotal_positive"),
            models.CheckConstraint(condition=Q(delivery_fee__gte=0), name="marketplace_order_fee_not_negative"),
            models.CheckConstraint(
                condition=Q(total=F("subtotal") + F("delivery_fee")), name="marketplace_order_total_adds_up"
            ),
            models.CheckConstraint(
                condition=Q(platform_fee__gte=0) & Q(platform_fee__lte=F("subtotal")),
                name="marketplace_order_platform_fee_within_subtotal",
            ),
            models.CheckConstraint(
                condition=Q(refunded_amount__gte=0) & Q(refunded_amount__lte=F("total")),
                name="marketplace_order_refund_within_total",
            ),
            models.CheckConstraint(
                condition=Q(voucher_amount__gte=0) & Q(voucher_amount__lte=F("total")),
                name="marketplace_order_voucher_within_total",
            ),
            models.UniqueConstraint(fields=["placement", "shop"], name="marketplace_order_one_per_shop_per_checkout"),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="marketplace_order_due"),
            models.Index(fields=["shop", "status"], name="marketplace_order_shop"),
            models.Index(fields=["buyer", "-created_at"], name="marketplace_order_buyer"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def events(self) -> Any:
        """This row's timeline (core_event rows), used like a reverse manager and prefetchable."""
        return SubjectEvents(self)

    @property
    def number(self) -> str:
        return f"PS-{self.pk or 0:06d}"

    @property
    def is_open(self) -> bool:
        return self.status not in lifecycle.FINAL

    @property
    def rest_to_pay(self) -> int:
        """What the buyer pays beyond the voucher (the payment request's amount)."""
        return self.total - self.voucher_amount


class OrderLine(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="order_lines")
    variant = models.ForeignKey(Variant, on_delete=models.PROTECT, related_name="order_lines")
    product_name = models.CharField(max_length=150)
    variant_name = models.CharField(max_length=100, blank=True)
    sku = models.CharField(max_length=64)
    unit_price = models.BigIntegerField(_("harga satuan (Rp)"))
    quantity = models.PositiveIntegerField(_("jumlah"))
    line_total = models.BigIntegerField(_("jumlah harga (Rp)"))

    class Meta:
        verbose_name = _("baris pesanan")
        verbose_name_plural = _("baris pesanan")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="marketplace_line_price_positive"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="marketplace_line_quantity_positive"),
            models.CheckConstraint(
                condition=Q(line_total=F("unit_price") * F("quantity")), name="marketplace_line_total_adds_up"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class Allocation(models.Model):
    """Units of one stock row held for one order line (Saleor's allocation), keyed by the pair:
    one row per line and stock row, read by the order's lines."""

    pk = models.CompositePrimaryKey("line_id", "stock_id")
    # Not indexed alone: the primary key leads with this column.
    line = models.ForeignKey(OrderLine, on_delete=models.CASCADE, related_name="allocations", db_index=False)
    stock = models.ForeignKey(Stock, on_delete=models.PROTECT, related_name="allocations")
    quantity = models.PositiveIntegerField()
    released_at = models.DateTimeField(null=True, blank=True)  # cancelled/expired: back to stock
    shipped_at = models.DateTimeField(null=True, blank=True)  # left the location
    restocked_at = models.DateTimeField(null=True, blank=True)  # came back after a refund

    class Meta:
        verbose_name = _("alokasi stok")
        verbose_name_plural = _("alokasi stok")
        ordering = ["line_id", "stock_id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="marketplace_allocation_positive"),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | Q(shipped_at__isnull=True),
                name="marketplace_allocation_released_or_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × stock {self.stock_id}"


class OrderEvent(SubjectEventMixin, Event):
    """One change of an order: what, from which status to which, who and when (a row of
    core_event, subject "order"). Never edited; an order's timeline is `events_for(order)`."""

    SUBJECTS: ClassVar[dict[str, str]] = {"order": "order"}
    SUBJECT_MODELS: ClassVar[dict[str, str]] = {"order": "marketplace.Order"}
    ACTION_LABELS: ClassVar[Mapping[str, Any]] = lifecycle.ACTION_LABELS

    objects: ClassVar[SubjectEventManager] = SubjectEventManager()

    class Meta:
        proxy = True
        verbose_name = _("riwayat pesanan")
        verbose_name_plural = _("riwayat pesanan")

    @property
    def order_id(self) -> int:
        return self.subject_id

    def __str__(self) -> str:
        return f"{self.order_id} {self.action} {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def action_label(self) -> str:
        return self.get_action_display()


OrderEvent.register(Order)


class Review(models.Model):
    """A buyer's rating of a completed order: one per order line (product), one per order (shop)."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="reviews")
    # No index of its own: every read by line (`filter(line=...)`, the PROTECT check when a line
    # is deleted) implies line IS NOT NULL, so the partial unique "marketplace_review_once_per_line" serves it.
    line = models.ForeignKey(
        OrderLine, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews", db_index=False
    )
    shop = models.ForeignKey(Shop, on_delete=models.PROTECT, related_name="reviews", verbose_name=_("toko"))
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, null=True, blank=True, related_name="reviews", verbose_name=_("produk")
    )
    # No index: users are deactivated, never deleted, and no page lists a buyer's reviews.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("pembeli"), db_index=False
    )
    rating = models.PositiveSmallIntegerField(_("nilai"))
    # Bounded so the row never needs a TOAST table (2 pg_class rows per tenant schema, issue 17):
    # with the fixed columns a comment of COMMENT_MAX characters still fits PostgreSQL's 2 kB
    # TOAST threshold (4 bytes per character in UTF-8).
    COMMENT_MAX = 480
    comment = models.CharField(_("ulasan"), max_length=COMMENT_MAX, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))

    class Meta:
        verbose_name = _("ulasan")
        verbose_name_plural = _("ulasan")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="marketplace_review_1_to_5"),
            models.UniqueConstraint(
                fields=["line"], condition=Q(line__isnull=False), name="marketplace_review_once_per_line"
            ),
            models.UniqueConstraint(
                fields=["order"], condition=Q(line__isnull=True), name="marketplace_review_once_per_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rating}★ {self.shop_id}/{self.product_id}"


def import_upload_to(instance: ImportBatch, filename: str) -> str:
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"pasar/impor/{uuid.uuid4().hex}.{extension}"


class ImportBatch(BackgroundJob):
    """An uploaded product/stock file: validated rows kept for the preview, applied on confirm."""

    class Kind(models.TextChoices):
        PRODUCTS = "products", _("Produk dan stok")
        STOCK = "stock", _("Stok saja")

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Pratinjau")
        APPLIED = "applied", _("Diterapkan")
        DISCARDED = "discarded", _("Dibatalkan")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    shop = models.ForeignKey(Shop, on_delete=models.CASCADE, related_name="imports", verbose_name=_("toko"))
    kind = models.CharField(_("jenis"), max_length=16, choices=Kind.choices)
    file_name = models.CharField(_("nama berkas"), max_length=200)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PREVIEW)
    rows = models.JSONField(default=list)
    errors = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0, verbose_name=_("jumlah baris"))
    summary = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", db_index=False)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("dibuat"))
    applied_at = models.DateTimeField(null=True, blank=True)
    # The background job (apps.core.jobs.batch via apps.marketplace.import_jobs, `bulk` queue): first
    # the preview, then, on confirm, the apply. The upload is kept (private) until the preview
    # is computed.
    upload = models.FileField(upload_to=import_upload_to, storage=private_storage, blank=True)

    class Meta:
        verbose_name = _("impor produk")
        verbose_name_plural = _("impor produk")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.get_status_display()})"


class CoPurchase(models.Model):
    """How many checkouts (placements) with sold orders held both `product` and `other`: the
    "sering dibeli bersama" counts, kept by the services when an order enters or leaves a sold
    status (services.copurchase), stored in both directions so one indexed read serves a page.
    Keyed by the pair (the upsert's conflict target)."""

    pk = models.CompositePrimaryKey("product_id", "other_id")
    # Not indexed alone: the primary key and the index "marketplace_copurchase_rank" lead with this column.
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    other = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="bought_with")
    together = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("dibeli bersama")
        verbose_name_plural = _("dibeli bersama")
        constraints = [
            models.CheckConstraint(condition=~Q(product=F("other")), name="marketplace_copurchase_two_products"),
        ]
        indexes = [models.Index(fields=["product", "-together", "other"], name="marketplace_copurchase_rank")]

    def __str__(self) -> str:
        return f"{self.product_id}+{self.other_id}: {self.together}"


# A many-to-many link table whose primary key is the pair itself (composite key, Django 5.2):
# no surrogate id and no index of its own on the first column, which leads the key (issue 17:
# two pg_class rows fewer per kelurahan schema than an auto-created through table).


class ProductCategory(models.Model):
    """A category a product is listed under (Product.categories)."""

    pk = models.CompositePrimaryKey("product_id", "category_id")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="+", db_index=False)
    category = models.ForeignKey(Category, on_delete=models.CASCADE, related_name="+")

    class Meta:
        db_table = "marketplace_product_categories"
        verbose_name = _("kategori produk")
        verbose_name_plural = _("kategori produk")

    def __str__(self) -> str:
        return f"{self.product_id} → {self.category_id}"
