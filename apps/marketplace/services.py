"""Marketplace writes: shops, catalogue, stock, carts and reservations, orders, reviews, imports.

Stock integrity (the Saleor pattern, see docs/specs): a checkout takes a time-boxed
reservation; placing an order allocates stock while holding row locks on the stock rows,
taken in primary-key order (`SELECT ... FOR UPDATE`), and fails with "stok tidak cukup"
(409, code `insufficient_stock`) when short. Lock order across the app, so nothing deadlocks:
order row → stock rows (ascending id) → payment request → ledger accounts (apps.payments).

Every order change is one `transition` (or `pay_order` / `sync_payment`), written as an
`OrderEvent` with actor and time, announced with `notify()` in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core import uploads
from apps.core.db import connection
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from apps.core.tasks import enqueue_on_commit
from apps.discovery.text import document
from apps.notifications.services import notify
from apps.payments import methods as payment_methods
from apps.payments import services as payments
from apps.payments.models import PaymentRequest

from . import conf, lifecycle
from .importing import ImportRow
from .models import (
    LAT_MAX,
    LAT_MIN,
    LNG_MAX,
    LNG_MIN,
    Allocation,
    CartItem,
    Category,
    DeliveryMethod,
    ImportBatch,
    Order,
    OrderEvent,
    OrderLine,
    Placement,
    Product,
    ProductPhoto,
    Reservation,
    Shop,
    Stock,
    StockLocation,
    Variant,
)

logger = logging.getLogger(__name__)
Status = lifecycle.Status

_SKU_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$")
_TIME_RE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
_IMAGE_SIGNATURES = ((b"\xff\xd8\xff", "image/jpeg", "jpg"), (b"\x89PNG\r\n\x1a\n", "image/png", "png"))


# --- input checks -------------------------------------------------------------------------


def rupiah(amount: int) -> str:
    return payments.rupiah(amount)


def _whole_number(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, Decimal) and value == value.to_integral_value():
        return int(value)
    if isinstance(value, str):
        text = value.strip().replace(" ", "")
        if re.fullmatch(r"-?\d{1,3}(\.\d{3})+", text):  # "25.000" as typed in Indonesia
            text = text.replace(".", "")
        if re.fullmatch(r"-?\d+", text) and text.isascii():
            return int(text)
    return None


def clean_price(value: Any, *, field_name: str = "price") -> int:
    """A whole number of rupiah, more than zero, at most MAX_PRICE."""
    price = _whole_number(value)
    if price is None:
        raise ValidationFailed(_("Harga harus bilangan bulat rupiah."), code="invalid_price", field=field_name)
    if price <= 0:
        raise ValidationFailed(_("Harga harus lebih dari nol."), code="invalid_price", field=field_name)
    if price > conf.get("MAX_PRICE"):
        raise ValidationFailed(
            _("Harga paling tinggi %(max)s.") % {"max": rupiah(conf.get("MAX_PRICE"))},
            code="invalid_price",
            field=field_name,
        )
    return price


def clean_quantity(value: Any, *, allow_zero: bool = False, field_name: str = "quantity") -> int:
    quantity = _whole_number(value)
    if quantity is None:
        raise ValidationFailed(_("Jumlah harus bilangan bulat."), code="invalid_quantity", field=field_name)
    if quantity < 0 or (quantity == 0 and not allow_zero):
        message = _("Jumlah tidak boleh negatif.") if allow_zero else _("Jumlah harus lebih dari nol.")
        raise ValidationFailed(message, code="invalid_quantity", field=field_name)
    if quantity > 1_000_000:
        raise ValidationFailed(_("Jumlah terlalu besar."), code="invalid_quantity", field=field_name)
    return quantity


def clean_sku(value: Any) -> str:
    sku = str(value or "").strip()
    if not sku:
        raise ValidationFailed(_("SKU wajib diisi."), code="invalid_sku", field="sku")
    if not _SKU_RE.match(sku):
        raise ValidationFailed(
            _("SKU hanya boleh huruf, angka, titik, garis miring, garis bawah dan tanda hubung (maks. 64)."),
            code="invalid_sku",
            field="sku",
        )
    return sku


def _clean_text(value: Any, *, field_name: str, label: str, max_length: int, required: bool = True) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationFailed(_("%(label)s wajib diisi.") % {"label": label}, code="required", field=field_name)
    if len(text) > max_length:
        raise ValidationFailed(
            _("%(label)s paling panjang %(max)d karakter.") % {"label": label, "max": max_length},
            code="too_long",
            field=field_name,
        )
    return text


def clean_point(lat: Any, lng: Any) -> tuple[Decimal | None, Decimal | None]:
    if lat in (None, "") and lng in (None, ""):
        return None, None
    try:
        lat_d = Decimal(str(lat)).quantize(Decimal("0.000001"))
        lng_d = Decimal(str(lng)).quantize(Decimal("0.000001"))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(_("Titik peta tidak valid."), code="invalid_location", field="lat") from None
    if not (LAT_MIN <= lat_d <= LAT_MAX and LNG_MIN <= lng_d <= LNG_MAX):
        raise ValidationFailed(_("Titik peta harus di wilayah Indonesia."), code="invalid_location", field="lat")
    return lat_d, lng_d


def clean_opening_hours(value: Mapping[Any, Any] | None) -> dict[str, list[str]]:
    """{weekday (0 = Senin): ["07:00", "14:00"]}, opening before closing."""
    hours: dict[str, list[str]] = {}
    for day, span in (value or {}).items():
        key = str(day)
        if key not in {str(d) for d in range(7)}:
            raise ValidationFailed(_("Hari tidak dikenal."), code="invalid_hours", field="opening_hours")
        if not isinstance(span, list | tuple) or len(span) != 2:
            raise ValidationFailed(_("Jam buka harus berupa jam buka dan jam tutup."), code="invalid_hours")
        opens, closes = (str(part).strip().replace(".", ":") for part in span)
        if not (_TIME_RE.match(opens) and _TIME_RE.match(closes)) or opens >= closes:
            raise ValidationFailed(
                _("Jam buka tidak valid: %(open)s–%(close)s.") % {"open": opens, "close": closes},
                code="invalid_hours",
                field="opening_hours",
            )
        hours[key] = [opens, closes]
    return dict(sorted(hours.items()))


def _photo(upload: UploadedFile[Any]) -> tuple[str, str]:
    """(file name, content type) of an uploaded JPEG/PNG photo, judged by its bytes."""
    if upload.size is not None and upload.size > conf.get("MAX_PHOTO_BYTES"):
        raise ValidationFailed(_("Foto terlalu besar (maks. 5 MB)."), code="photo_too_large", field="photo")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for signature, mime, extension in _IMAGE_SIGNATURES:
        if head.startswith(signature):
            # The shared checker's Pillow pass: decompression bombs and unparseable images.
            problem = uploads.image_problem(upload, uploads.JPEG if extension == "jpg" else uploads.PNG)
            if problem == "pixels":
                raise ValidationFailed(
                    _("Foto terlalu besar: paling banyak %(megapixels)s megapiksel.")
                    % {"megapixels": f"{uploads.max_image_pixels() / 1_000_000:g}"},
                    code="image_too_large",
                    field="photo",
                )
            if problem == "unreadable":
                raise ValidationFailed(
                    _("Foto rusak atau bukan gambar JPEG/PNG yang bisa dibaca."), code="image_unreadable", field="photo"
                )
            return f"foto.{extension}", mime
    raise ValidationFailed(_("Foto harus JPEG atau PNG."), code="photo_type", field="photo")


def _key(value: Any) -> str:
    return payments.clean_key(value)


# --- who may do what ----------------------------------------------------------------------


def _may_sell(user: User) -> bool:
    return user.is_staff or user.has_role(Role.PEMILIK_UMKM)


def _require_shop_manager(shop: Shop, actor: User) -> None:
    if actor.pk != shop.owner_id and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik toko yang bisa mengubah toko ini."), code="not_shop_owner")


def order_roles(order: Order, actor: User | None) -> set[str]:
    """The lifecycle roles `actor` holds on `order` (None = the system itself)."""
    if actor is None:
        return {lifecycle.SYSTEM}
    roles: set[str] = set()
    if actor.pk == order.buyer_id:
        roles.add(lifecycle.BUYER)
    if actor.pk == order.shop.owner_id:
        roles.add(lifecycle.SHOP)
    if actor.is_staff:
        roles.add(lifecycle.STAFF)
    if (
        order.delivery_method != DeliveryMethod.PICKUP
        and order.status in (Status.SHIPPED, Status.DELIVERED)
        and (actor.has_role(Role.KURIR) or actor.has_role(Role.OPERATOR_HUB))
    ):
        roles.add(lifecycle.COURIER)
    return roles


# --- shops --------------------------------------------------------------------------------


def _unique_slug(model: type[Shop] | type[Category], name: str, fallback: str) -> str:
    base = (slugify(name) or fallback)[:120]
    slug = base
    n = 2
    while model.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


def _ensure_payment_account(shop: Shop, code: str = "") -> None:
    if shop.payment_account_id is not None:
        return
    account = payments.open_merchant_account(
        shop.owner, shop.name, code=code or f"merchant:{shop.owner_id}:pasar-{shop.pk}"
    )
    shop.payment_account = account
    shop.save(update_fields=["payment_account"])


@transaction.atomic
def open_shop(
    owner: User,
    *,
    name: str,
    address: str,
    description: str = "",
    lat: Any = None,
    lng: Any = None,
    opening_hours: Mapping[Any, Any] | None = None,
    offers_pickup: bool = True,
    offers_hub_delivery: bool = False,
    offers_own_delivery: bool = False,
    own_delivery_fee: Any = 0,
    photo: UploadedFile[Any] | None = None,
    payment_account_code: str = "",
    actor: User | None = None,
) -> Shop:
    """A UMKM owner opens a shop: its own stock location and KotaKitaPay settlement account."""
    actor = actor or owner
    if not _may_sell(owner):
        raise Forbidden(_("Hanya pemilik UMKM yang bisa membuka toko."), code="not_umkm")
    if actor.pk != owner.pk and not actor.is_staff:
        raise Forbidden(_("Toko hanya bisa dibuka oleh pemiliknya."), code="not_shop_owner")
    shop = Shop(owner=owner)
    _apply_shop_fields(
        shop,
        name=name,
        address=address,
        description=description,
        lat=lat,
        lng=lng,
        opening_hours=opening_hours,
        offers_pickup=offers_pickup,
        offers_hub_delivery=offers_hub_delivery,
        offers_own_delivery=offers_own_delivery,
        own_delivery_fee=own_delivery_fee,
    )
    shop.slug = _unique_slug(Shop, shop.name, "toko")
    if photo is not None:
        file_name, shop.photo_type = _photo(photo)
        shop.photo.save(file_name, photo, save=False)
    shop.save()
    StockLocation.objects.create(
        kind=StockLocation.Kind.SHOP,
        code=f"toko-{shop.pk}",
        name=shop.name[:120],
        shop=shop,
        address=shop.address,
        lat=shop.lat,
        lng=shop.lng,
    )
    _ensure_payment_account(shop, payment_account_code)
    return shop


def _apply_shop_fields(shop: Shop, **values: Any) -> None:
    if "name" in values:
        shop.name = _clean_text(values["name"], field_name="name", label=_("Nama toko"), max_length=120)
    if "address" in values:
        shop.address = _clean_text(values["address"], field_name="address", label=_("Alamat"), max_length=255)
    if "description" in values:
        shop.description = str(values["description"] or "").strip()[:2000]
    if "lat" in values or "lng" in values:
        shop.lat, shop.lng = clean_point(values.get("lat"), values.get("lng"))
    if "opening_hours" in values:
        shop.opening_hours = clean_opening_hours(values["opening_hours"])
    for flag in ("offers_pickup", "offers_hub_delivery", "offers_own_delivery"):
        if flag in values:
            setattr(shop, flag, bool(values[flag]))
    if "own_delivery_fee" in values:
        fee = _whole_number(values["own_delivery_fee"] or 0)
        if fee is None or fee < 0:
            raise ValidationFailed(_("Ongkos antar tidak boleh negatif."), code="invalid_fee", field="own_delivery_fee")
        shop.own_delivery_fee = fee
    if not (shop.offers_pickup or shop.offers_hub_delivery or shop.offers_own_delivery):
        raise ValidationFailed(
            _("Pilih paling sedikit satu cara pengiriman."), code="no_delivery", field="offers_pickup"
        )


@transaction.atomic
def update_shop(shop: Shop, actor: User, *, photo: UploadedFile[Any] | None = None, **changes: Any) -> Shop:
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    _require_shop_manager(shop, actor)
    allowed = {
        "name",
        "address",
        "description",
        "lat",
        "lng",
        "opening_hours",
        "offers_pickup",
        "offers_hub_delivery",
        "offers_own_delivery",
        "own_delivery_fee",
        "is_active",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(_("Kolom tidak dikenal."), code="unknown_field", fields=sorted(unknown))
    is_active = changes.pop("is_active", None)
    _apply_shop_fields(shop, **changes)
    if is_active is not None:
        shop.is_active = bool(is_active)
    if photo is not None:
        file_name, shop.photo_type = _photo(photo)
        shop.photo.save(file_name, photo, save=False)
    shop.save()
    StockLocation.objects.filter(shop=shop, kind=StockLocation.Kind.SHOP).update(
        name=shop.name[:120], address=shop.address, lat=shop.lat, lng=shop.lng
    )
    Product.objects.filter(shop=shop).update(updated_at=timezone.now())
    for product in Product.objects.filter(shop=shop).select_related("shop"):
        _refresh_search(product)
    queue_listing_sync(Product.objects.filter(shop=shop).values_list("pk", flat=True))
    return shop


@transaction.atomic
def mark_verified(shop: Shop, reason: str, *, actor: User) -> Shop:
    """Staff vouch for a shop (e.g. its NIB/permit was checked): the verified badge shows."""
    if not actor.is_staff:
        raise Forbidden(_("Hanya petugas kelurahan yang bisa memverifikasi toko."), code="not_staff")
    reason = _clean_text(reason, field_name="reason", label=_("Dasar verifikasi"), max_length=255)
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    shop.verified = True
    shop.verified_reason = reason
    shop.verified_at = timezone.now()
    shop.verified_by = actor
    shop.save(update_fields=["verified", "verified_reason", "verified_at", "verified_by", "updated_at"])
    queue_listing_sync(Product.objects.filter(shop=shop).values_list("pk", flat=True))
    return shop


@transaction.atomic
def unmark_verified(shop: Shop, reason: str, *, actor: User) -> Shop:
    if not actor.is_staff:
        raise Forbidden(_("Hanya petugas kelurahan yang bisa memverifikasi toko."), code="not_staff")
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    shop.verified = False
    shop.verified_reason = str(reason or "").strip()[:255]
    shop.verified_at = timezone.now()
    shop.verified_by = actor
    shop.save(update_fields=["verified", "verified_reason", "verified_at", "verified_by", "updated_at"])
    queue_listing_sync(Product.objects.filter(shop=shop).values_list("pk", flat=True))
    return shop


@transaction.atomic
def create_hub(
    *, code: str, name: str, address: str = "", lat: Any = None, lng: Any = None, actor: User
) -> StockLocation:
    """A hub stock location (the fulfillment work will manage hubs; staff can add one now)."""
    if not actor.is_staff:
        raise Forbidden(_("Hanya petugas yang bisa menambah hub."), code="not_staff")
    code = slugify(code)[:64]
    if not code:
        raise ValidationFailed(_("Kode hub wajib diisi."), code="required", field="code")
    if StockLocation.objects.filter(code=code).exists():
        raise Conflict(_("Kode lokasi sudah dipakai."), code="location_code_taken")
    lat_d, lng_d = clean_point(lat, lng)
    return StockLocation.objects.create(
        kind=StockLocation.Kind.HUB,
        code=code,
        name=_clean_text(name, field_name="name", label=_("Nama"), max_length=120),
        address=str(address or "")[:255],
        lat=lat_d,
        lng=lng_d,
    )


def shop_location(shop: Shop) -> StockLocation:
    location = StockLocation.objects.filter(shop=shop, kind=StockLocation.Kind.SHOP).first()
    if location is None:  # a shop made before locations existed, or by hand in admin
        location = StockLocation.objects.create(
            kind=StockLocation.Kind.SHOP, code=f"toko-{shop.pk}", name=shop.name[:120], shop=shop
        )
    return location


# --- catalogue ----------------------------------------------------------------------------


@dataclass(frozen=True)
class VariantSpec:
    sku: Any
    price: Any
    name: Any = ""
    stock: Any = 0


def _categories(names: Iterable[Any]) -> list[Category]:
    found: list[Category] = []
    for raw in names:
        name = " ".join(str(raw or "").split())[:80]
        if not name:
            continue
        category = Category.objects.filter(name__iexact=name).first()
        if category is None:
            category = Category.objects.create(name=name, slug=_unique_slug(Category, name, "kategori"))
        if category not in found:
            found.append(category)
    return found


def split_categories(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]


def _refresh_search(product: Product) -> None:
    variants = " ".join(product.variants.filter(is_active=True).values_list("name", flat=True))
    categories = " ".join(product.categories.values_list("name", flat=True))
    search_name = document(product.name, variants, categories)[:400]
    search_text = document(product.name, variants, categories, product.shop.name, product.description[:1000])
    Product.objects.filter(pk=product.pk).update(search_name=search_name, search_text=search_text)
    product.search_name, product.search_text = search_name, search_text


def _check_sku_free(shop: Shop, sku: str, *, except_variant: int | None = None) -> None:
    taken = Variant.objects.filter(shop=shop, sku__iexact=sku)
    if except_variant is not None:
        taken = taken.exclude(pk=except_variant)
    if taken.exists():
        raise Conflict(_("SKU %(sku)s sudah dipakai di toko ini.") % {"sku": sku}, code="sku_taken", sku=sku)


def _new_variant(product: Product, spec: VariantSpec) -> Variant:
    sku = clean_sku(spec.sku)
    _check_sku_free(product.shop, sku)
    variant = Variant.objects.create(
        product=product,
        shop=product.shop,
        sku=sku,
        name=_clean_text(spec.name, field_name="variant_name", label=_("Nama varian"), max_length=100, required=False),
        price=clean_price(spec.price),
    )
    quantity = clean_quantity(spec.stock or 0, allow_zero=True, field_name="stock")
    Stock.objects.create(variant=variant, location=shop_location(product.shop), quantity=quantity)
    return variant


@transaction.atomic
def create_product(
    shop: Shop,
    actor: User,
    *,
    name: str,
    variants: Sequence[VariantSpec],
    description: str = "",
    categories: Iterable[Any] = (),
    photo: UploadedFile[Any] | None = None,
) -> Product:
    _require_shop_manager(shop, actor)
    if not variants:
        raise ValidationFailed(_("Produk perlu paling sedikit satu varian dengan harga."), code="no_variant")
    skus = [str(spec.sku or "").strip().lower() for spec in variants]
    if len(set(skus)) != len(skus):
        raise ValidationFailed(_("SKU varian tidak boleh sama."), code="duplicate_sku")
    product = Product.objects.create(
        shop=shop,
        name=_clean_text(name, field_name="name", label=_("Nama produk"), max_length=150),
        description=str(description or "").strip()[:5000],
    )
    product.categories.set(_categories(categories))
    for spec in variants:
        _new_variant(product, spec)
    if photo is not None:
        _add_photo(product, photo)
    _refresh_search(product)
    queue_listing_sync([product.pk])
    return product


@transaction.atomic
def update_product(
    product: Product,
    actor: User,
    *,
    name: str | None = None,
    description: str | None = None,
    categories: Iterable[Any] | None = None,
    is_active: bool | None = None,
) -> Product:
    product = Product.objects.select_for_update().select_related("shop").get(pk=product.pk)
    _require_shop_manager(product.shop, actor)
    if name is not None:
        product.name = _clean_text(name, field_name="name", label=_("Nama produk"), max_length=150)
    if description is not None:
        product.description = str(description).strip()[:5000]
    if is_active is not None:
        product.is_active = bool(is_active)
    product.save()
    if categories is not None:
        product.categories.set(_categories(categories))
    _refresh_search(product)
    queue_listing_sync([product.pk])
    return product


@transaction.atomic
def add_variant(product: Product, actor: User, spec: VariantSpec) -> Variant:
    product = Product.objects.select_related("shop").get(pk=product.pk)
    _require_shop_manager(product.shop, actor)
    variant = _new_variant(product, spec)
    _refresh_search(product)
    queue_listing_sync([product.pk])
    return variant


@transaction.atomic
def update_variant(
    variant: Variant,
    actor: User,
    *,
    name: str | None = None,
    price: Any = None,
    is_active: bool | None = None,
) -> Variant:
    variant = Variant.objects.select_for_update(of=("self",)).select_related("product", "shop").get(pk=variant.pk)
    _require_shop_manager(variant.shop, actor)
    if name is not None:
        variant.name = _clean_text(
            name, field_name="variant_name", label=_("Nama varian"), max_length=100, required=False
        )
    if price is not None:
        variant.price = clean_price(price)
    if is_active is not None:
        variant.is_active = bool(is_active)
    variant.save()
    _refresh_search(variant.product)
    queue_listing_sync([variant.product_id])
    return variant


@transaction.atomic
def set_stock(variant: Variant, quantity: Any, *, actor: User, location: StockLocation | None = None) -> Stock:
    """Set the physical count of a variant at a location (the shop's own by default).

    It can never go below what placed orders already hold there (409)."""
    variant = Variant.objects.select_related("shop").get(pk=variant.pk)
    _require_shop_manager(variant.shop, actor)
    quantity = clean_quantity(quantity, allow_zero=True, field_name="stock")
    location = location or shop_location(variant.shop)
    if location.kind == StockLocation.Kind.SHOP and location.shop_id != variant.shop_id:
        raise ValidationFailed(_("Lokasi itu milik toko lain."), code="foreign_location", field="location")
    stock, _created = Stock.objects.get_or_create(variant=variant, location=location)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    if quantity < stock.quantity_allocated:
        raise Conflict(
            _("Stok tidak bisa di bawah %(n)d: sebanyak itu sudah dipesan.") % {"n": stock.quantity_allocated},
            code="below_allocated",
            allocated=stock.quantity_allocated,
        )
    stock.quantity = quantity
    stock.save(update_fields=["quantity"])
    queue_listing_sync([variant.product_id])
    return stock


def _add_photo(product: Product, upload: UploadedFile[Any]) -> ProductPhoto:
    file_name, content_type = _photo(upload)
    position = product.photos.count()
    photo = ProductPhoto(product=product, content_type=content_type, position=position)
    photo.file.save(file_name, upload, save=False)
    photo.save()
    return photo


@transaction.atomic
def add_photo(product: Product, actor: User, upload: UploadedFile[Any]) -> ProductPhoto:
    product = Product.objects.select_related("shop").get(pk=product.pk)
    _require_shop_manager(product.shop, actor)
    photo = _add_photo(product, upload)
    queue_listing_sync([product.pk])
    return photo


# --- availability, cart and reservations --------------------------------------------------


def _reserved_by_others(stock_ids: Iterable[int], buyer: User | None, now: datetime) -> dict[int, int]:
    qs = Reservation.objects.filter(stock_id__in=list(stock_ids), reserved_until__gt=now)
    if buyer is not None:
        qs = qs.exclude(buyer=buyer)
    return {row["stock_id"]: int(row["n"]) for row in qs.values("stock_id").annotate(n=Sum("quantity"))}


def _lock_stocks(variant_ids: Iterable[int]) -> list[Stock]:
    """The variants' stock rows at active locations, locked in primary-key order."""
    return list(
        Stock.objects.select_for_update(of=("self",))
        .select_related("location")
        .filter(variant_id__in=sorted(set(variant_ids)), location__is_active=True)
        .order_by("pk")
    )


def _plan_allocation(
    wanted: Mapping[int, int], variants: Mapping[int, Variant], stocks: list[Stock], reserved: Mapping[int, int]
) -> tuple[dict[int, list[tuple[Stock, int]]], list[dict[str, Any]]]:
    """Which stock rows each variant's quantity comes from (the shop's own location first),
    and what is short."""
    by_variant: dict[int, list[Stock]] = defaultdict(list)
    for stock in stocks:
        by_variant[stock.variant_id].append(stock)
    plan: dict[int, list[tuple[Stock, int]]] = {}
    short: list[dict[str, Any]] = []
    for variant_id, need in wanted.items():
        variant = variants[variant_id]
        rows = sorted(by_variant.get(variant_id, []), key=lambda s: (s.location.shop_id != variant.shop_id, s.pk))
        takes: list[tuple[Stock, int]] = []
        left = need
        available_total = 0
        for stock in rows:
            available = max(stock.quantity - stock.quantity_allocated - reserved.get(stock.pk, 0), 0)
            available_total += available
            take = min(available, left)
            if take:
                takes.append((stock, take))
                left -= take
        if left > 0:
            short.append({"variant": variant_id, "name": str(variant), "requested": need, "available": available_total})
        plan[variant_id] = takes
    return plan, short


def insufficient_stock(short: list[dict[str, Any]]) -> Conflict:
    parts = [
        _("%(name)s (diminta %(requested)d, tersedia %(available)d)")
        % {"name": item["name"], "requested": item["requested"], "available": item["available"]}
        for item in short
    ]
    return Conflict(
        _("Stok tidak cukup: %(items)s.") % {"items": "; ".join(parts)}, code="insufficient_stock", items=short
    )


def _sellable_variants(ids: Iterable[int], buyer: User | None) -> dict[int, Variant]:
    wanted = sorted(set(ids))
    variants = {v.pk: v for v in Variant.objects.select_related("product", "shop", "shop__owner").filter(pk__in=wanted)}
    unknown = [pk for pk in wanted if pk not in variants]
    if unknown:
        raise ValidationFailed(
            _("Produk tidak dikenal: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
            code="unknown_variant",
            variants=unknown,
        )
    off = [v for v in variants.values() if not (v.is_active and v.product.is_active and v.shop.is_active)]
    if off:
        raise ValidationFailed(
            _("Tidak dijual lagi: %(names)s.") % {"names": ", ".join(str(v) for v in off)},
            code="not_for_sale",
            variants=[v.pk for v in off],
        )
    if buyer is not None and any(v.shop.owner_id == buyer.pk for v in variants.values()):
        raise ValidationFailed(_("Tidak bisa membeli dari toko sendiri."), code="own_shop")
    return variants


def _variant_id(value: Any) -> int:
    number = _whole_number(value)
    if number is None or number <= 0:
        raise ValidationFailed(_("Produk tidak dikenal."), code="unknown_variant", variants=[str(value)[:32]])
    return number


@transaction.atomic
def add_to_cart(buyer: User, variant_id: Any, quantity: Any) -> CartItem:
    quantity = clean_quantity(quantity)
    variant = _sellable_variants([_variant_id(variant_id)], buyer)[_variant_id(variant_id)]
    item = CartItem.objects.select_for_update().filter(buyer=buyer, variant=variant).first()
    total = quantity + (item.quantity if item else 0)
    if total > conf.get("MAX_LINE_QUANTITY"):
        raise ValidationFailed(
            _("Paling banyak %(max)d per barang.") % {"max": conf.get("MAX_LINE_QUANTITY")}, code="invalid_quantity"
        )
    if item is None:
        return CartItem.objects.create(buyer=buyer, variant=variant, quantity=total)
    item.quantity = total
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def set_cart_quantity(buyer: User, variant_id: Any, quantity: Any) -> CartItem | None:
    """Change a cart line (0 removes it)."""
    quantity = clean_quantity(quantity, allow_zero=True)
    item = CartItem.objects.select_for_update().filter(buyer=buyer, variant_id=_variant_id(variant_id)).first()
    if item is None:
        raise NotFound(_("Barang itu tidak ada di keranjang."), code="not_in_cart")
    if quantity == 0:
        item.delete()
        return None
    if quantity > conf.get("MAX_LINE_QUANTITY"):
        raise ValidationFailed(
            _("Paling banyak %(max)d per barang.") % {"max": conf.get("MAX_LINE_QUANTITY")}, code="invalid_quantity"
        )
    item.quantity = quantity
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def reserve_cart(buyer: User, *, now: datetime | None = None) -> datetime:
    """Hold the whole cart's stock for RESERVATION_MINUTES (all or nothing). Returns the deadline."""
    now = now or timezone.now()
    items = list(CartItem.objects.filter(buyer=buyer).order_by("variant_id"))
    if not items:
        raise ValidationFailed(_("Keranjang masih kosong."), code="empty_cart")
    wanted = {item.variant_id: item.quantity for item in items}
    variants = _sellable_variants(wanted, buyer)
    stocks = _lock_stocks(wanted)
    reserved = _reserved_by_others((s.pk for s in stocks), buyer, now)
    plan, short = _plan_allocation(wanted, variants, stocks, reserved)
    if short:
        raise insufficient_stock(short)
    until = now + timedelta(minutes=conf.get("RESERVATION_MINUTES"))
    Reservation.objects.filter(buyer=buyer).delete()
    Reservation.objects.bulk_create(
        Reservation(buyer=buyer, stock=stock, quantity=take, reserved_until=until)
        for takes in plan.values()
        for stock, take in takes
    )
    return until


@transaction.atomic
def release_reservations(buyer: User) -> int:
    deleted, _detail = Reservation.objects.filter(buyer=buyer).delete()
    return deleted


def delete_expired_reservations(now: datetime | None = None) -> int:
    deleted, _detail = Reservation.objects.filter(reserved_until__lte=now or timezone.now()).delete()
    return deleted


# --- placing orders -----------------------------------------------------------------------


@dataclass
class PlacementResult:
    placement: Placement
    orders: list[Order] = field(default_factory=list)
    replayed: bool = False


def hub_delivery_opens(now: datetime | None = None) -> datetime | None:
    """When a hub can first take a hub-delivery order placed at `now`: `now` when a hub is
    open, its next opening when all are closed (later today or its next open day), None when
    no active hub opens within a week (then hub delivery is not offered at all)."""
    from django.apps import apps as django_apps

    if not django_apps.is_installed("apps.fulfillment"):
        return None
    from apps.fulfillment import hours  # fulfillment builds on marketplace: imported here, not at the top

    found = hours.next_opening(now)
    return None if found is None else found[1]


def _delivery_fee(shop: Shop, method: str) -> int:
    if method == DeliveryMethod.OWN:
        return shop.own_delivery_fee
    if method == DeliveryMethod.HUB:
        return int(conf.get("HUB_DELIVERY_FEE"))
    return 0


def _clean_items(items: Iterable[Any]) -> dict[int, int]:
    merged: dict[int, int] = {}
    for item in items:
        if isinstance(item, Mapping):
            raw_variant, raw_quantity = item.get("variant"), item.get("quantity")
        else:
            raw_variant, raw_quantity = item
        variant_id = _variant_id(raw_variant)
        merged[variant_id] = merged.get(variant_id, 0) + clean_quantity(raw_quantity)
    if not merged:
        raise ValidationFailed(_("Pesanan tidak berisi barang."), code="empty_order")
    if len(merged) > conf.get("MAX_LINES_PER_CHECKOUT"):
        raise ValidationFailed(_("Terlalu banyak jenis barang dalam satu pesanan."), code="too_many_lines")
    too_many = [pk for pk, n in merged.items() if n > conf.get("MAX_LINE_QUANTITY")]
    if too_many:
        raise ValidationFailed(
            _("Paling banyak %(max)d per barang.") % {"max": conf.get("MAX_LINE_QUANTITY")},
            code="invalid_quantity",
            variants=too_many,
        )
    return dict(sorted(merged.items()))


def _fingerprint(**params: Any) -> str:
    return hashlib.sha256(json.dumps(params, sort_keys=True, default=str).encode()).hexdigest()


def _replay(placement: Placement, buyer: User, fingerprint: str) -> PlacementResult:
    if placement.buyer_id != buyer.pk or placement.request_hash != fingerprint:
        raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk pesanan lain."), code="idempotency_conflict")
    orders = list(placement.orders.select_related("shop", "payment_request").order_by("pk"))
    return PlacementResult(placement=placement, orders=orders, replayed=True)


def _order_url(order: Order) -> str:
    return f"/pasar/pesanan/{order.public_id}/"


@transaction.atomic
def place_orders(
    buyer: User,
    items: Iterable[Any],
    *,
    idempotency_key: str,
    delivery: str | Mapping[int, str] = DeliveryMethod.PICKUP,
    address: str = "",
    note: str = "",
    payment_method: str = "",
    from_cart: bool = False,
) -> PlacementResult:
    """Turn a cart (items across shops) into one order per shop, allocating stock.

    `items`: (variant id, quantity) pairs or {"variant", "quantity"} dicts. `delivery`: one
    method for every shop, or {shop id: method}. The same `idempotency_key` with the same
    request returns the orders made the first time (`replayed`); with another request, 409.
    Short stock: `insufficient_stock` (409) and nothing is written.
    """
    key = _key(idempotency_key)
    wanted = _clean_items(items)
    address = str(address or "").strip()[:255]
    note = str(note or "").strip()[:255]
    if payment_method and payment_method not in payment_methods.METHODS:
        payment_methods.get(payment_method)  # raises the payments app's 422
    delivery_param: Any = delivery if isinstance(delivery, str) else {str(k): v for k, v in delivery.items()}
    fingerprint = _fingerprint(
        items=sorted(wanted.items()), delivery=delivery_param, address=address, note=note, payment=payment_method
    )

    existing = Placement.objects.filter(key=key).first()
    if existing is not None:
        return _replay(existing, buyer, fingerprint)
    try:
        with transaction.atomic():
            placement = Placement.objects.create(key=key, request_hash=fingerprint, buyer=buyer)
    except IntegrityError:  # the same key raced us and committed first
        return _replay(Placement.objects.get(key=key), buyer, fingerprint)

    variants = _sellable_variants(wanted, buyer)
    shops: dict[int, Shop] = {}
    for variant in variants.values():
        shops[variant.shop_id] = variant.shop
    methods_by_shop: dict[int, str] = {}
    for shop_id, shop in shops.items():
        method = delivery if isinstance(delivery, str) else delivery.get(shop_id, "")
        if method not in shop.delivery_methods():
            raise ValidationFailed(
                _("%(shop)s tidak melayani pengiriman “%(method)s”.") % {"shop": shop.name, "method": method},
                code="delivery_not_offered",
                shop=shop_id,
                choices=shop.delivery_methods(),
            )
        if method != DeliveryMethod.PICKUP and not address:
            raise ValidationFailed(_("Alamat kirim wajib diisi."), code="address_required", field="address")
        methods_by_shop[shop_id] = method
    if DeliveryMethod.HUB in methods_by_shop.values() and hub_delivery_opens() is None:
        # No hub opens within a week: never take (or charge) an order it cannot deliver.
        raise ValidationFailed(
            _("Saat ini tidak ada hub yang bisa mengantar; pilih cara kirim lain."),
            code="hub_unavailable",
            field="delivery",
        )

    # Write the orders first, then take the stock locks: the rows stay locked until commit,
    # so only the allocation itself runs while other buyers of the same stock wait.
    now = timezone.now()
    tenant = getattr(connection, "tenant", None)
    plan_name = str(getattr(tenant, "plan", "") or "")
    bps = conf.fee_bps(plan_name)
    expires_at = now + timedelta(minutes=conf.get("PAYMENT_MINUTES"))
    result = PlacementResult(placement=placement)
    line_of: dict[int, OrderLine] = {}
    for shop_id in sorted(shops):
        shop = shops[shop_id]
        _ensure_payment_account(shop)
        shop_variants = sorted((v for v in variants.values() if v.shop_id == shop_id), key=lambda v: v.pk)
        subtotal = sum(v.price * wanted[v.pk] for v in shop_variants)
        fee = _delivery_fee(shop, methods_by_shop[shop_id])
        order = Order(
            placement=placement,
            buyer=buyer,
            shop=shop,
            delivery_method=methods_by_shop[shop_id],
            delivery_address=address,
            note=note,
            payment_method=payment_method,
            subtotal=subtotal,
            delivery_fee=fee,
            total=subtotal + fee,
            plan=plan_name,
            platform_fee_bps=bps,
            platform_fee=subtotal * bps // 10_000,
            expires_at=expires_at,
        )
        assert shop.payment_account is not None
        order.payment_request = payments.create_payment_request(
            shop.payment_account,
            order.total,
            description=_("Pasar: pesanan dari %(buyer)s") % {"buyer": buyer},
            reference=f"order:{order.public_id}",
            actor=buyer,
            open_qris_charge=False,
        )
        order.save(force_insert=True)
        lines = OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                product=v.product,
                variant=v,
                product_name=v.product.name,
                variant_name=v.name,
                sku=v.sku,
                unit_price=v.price,
                quantity=wanted[v.pk],
                line_total=v.price * wanted[v.pk],
            )
            for v in shop_variants
        )
        line_of.update((line.variant_id, line) for line in lines)
        OrderEvent.objects.create(order=order, action="place", to_status=order.status, actor=buyer)
        notify(
            [shop.owner],
            event="marketplace.order_new",
            title=_("Pesanan baru %(number)s") % {"number": order.number},
            body=_("%(buyer)s memesan %(items)s senilai %(total)s.")
            % {
                "buyer": buyer,
                "items": ", ".join(f"{line.quantity} × {line.product_name}" for line in lines),
                "total": rupiah(order.total),
            },
            url=_order_url(order),
            key=f"marketplace-order-{order.pk}-new",
        )
        result.orders.append(order)

    # Saleor: lock the stock rows in primary-key order, then decide; short → all rolls back.
    stocks = _lock_stocks(wanted)
    reserved = _reserved_by_others((s.pk for s in stocks), buyer, now)
    plan, short = _plan_allocation(wanted, variants, stocks, reserved)
    if short:
        raise insufficient_stock(short)
    touched: dict[int, Stock] = {}
    for takes in plan.values():
        for stock, take in takes:
            stock.quantity_allocated += take
            touched[stock.pk] = stock
    Stock.objects.bulk_update(list(touched.values()), ["quantity_allocated"])
    Allocation.objects.bulk_create(
        Allocation(line=line_of[variant_id], stock=stock, quantity=take)
        for variant_id, takes in plan.items()
        for stock, take in takes
    )
    Reservation.objects.filter(buyer=buyer, stock_id__in=[s.pk for s in stocks]).delete()
    if from_cart:
        CartItem.objects.filter(buyer=buyer, variant_id__in=list(wanted)).delete()
    sold_out = {variants[s.variant_id].product_id for s in touched.values() if s.quantity - s.quantity_allocated <= 0}
    if sold_out:
        queue_listing_sync(sold_out)
    return result


@transaction.atomic
def place_and_pay(
    buyer: User,
    items: Iterable[Any],
    *,
    idempotency_key: str,
    payment_method: str,
    delivery: str | Mapping[int, str] = DeliveryMethod.PICKUP,
    address: str = "",
    note: str = "",
    from_cart: bool = False,
) -> PlacementResult:
    """Checkout in one transaction: place the orders and start paying each with
    `payment_method` (if any). A refused payment (e.g. not enough wallet balance, 409) undoes
    the whole checkout, so the buyer can pick another way with the same cart and key."""
    result = place_orders(
        buyer,
        items,
        idempotency_key=idempotency_key,
        delivery=delivery,
        address=address,
        note=note,
        payment_method=payment_method,
        from_cart=from_cart,
    )
    if payment_method and not result.replayed:
        for order in result.orders:
            pay_order(order, payment_method, payer=buyer, idempotency_key=result.placement.key)
        result.orders = list(Order.objects.filter(placement=result.placement).select_related("shop").order_by("pk"))
    return result


# --- paying -------------------------------------------------------------------------------


def _lock_order(order: Order | int) -> Order:
    pk = order if isinstance(order, int) else order.pk
    found = (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "shop__owner", "buyer", "payment_request")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    return found


@transaction.atomic
def pay_order(order: Order, method_code: str, *, payer: User, idempotency_key: str) -> payment_methods.PaymentOutcome:
    """Pay an order through the payments app's interface (wallet, QRIS or cash on delivery).

    Wallet: paid at once. QRIS: returns the dynamic QRIS; the order turns paid when the
    gateway's settlement arrives (see `sync_payment`). COD: the order goes ahead, the shop
    confirms the cash at delivery. The same key repeats nothing.
    """
    method = payment_methods.get(method_code)
    key = _key(idempotency_key)
    order = _lock_order(order)
    if payer.pk != order.buyer_id:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    request = order.payment_request
    if request is None:  # pragma: no cover - every placed order has one
        raise Conflict(_("Pesanan ini tidak punya tagihan."), code="no_payment_request")
    if order.status == Status.COD and method.code == "cod":
        return payment_methods.PaymentOutcome(status="awaiting_cash", request=request)
    if order.status == Status.PAID and order.payment_method == method.code:
        return payment_methods.PaymentOutcome(status="paid", request=request, entry=request.paid_entry)
    if order.status != Status.AWAITING_PAYMENT:
        raise Conflict(
            _("Pesanan ini sudah berstatus “%(status)s”.") % {"status": order.get_status_display()},
            code="not_awaiting_payment",
        )
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    outcome = method.start(request, payer=payer, idempotency_key=f"pasar:{order.public_id}:{digest}")
    order.payment_method = method.code
    if outcome.status == "paid":
        _move(order, "pay", actor=payer, note=str(method.label))
    elif outcome.status == "awaiting_cash":
        order.expires_at = None
        _move(order, "choose_cod", actor=payer, note=str(method.label))
    else:
        order.save(update_fields=["payment_method", "updated_at"])
        OrderEvent.objects.create(order=order, action="payment_started", actor=payer, note=str(method.label))
    return outcome


@transaction.atomic
def sync_payment(order_id: int) -> Order | None:
    """Take over the payment request's state (called after a gateway settlement, and by the
    sweep): a settled request makes an unpaid order paid; money that arrives for an order
    already cancelled or expired goes back to the payer."""
    order = (
        Order.objects.select_for_update(of=("self",))
        .select_related("shop", "shop__owner", "buyer")
        .filter(pk=order_id)
        .first()
    )
    if order is None or order.payment_request_id is None:
        return order
    request = PaymentRequest.objects.select_related("paid_by").get(pk=order.payment_request_id)
    if request.status != PaymentRequest.Status.PAID:
        return order
    if order.status == Status.AWAITING_PAYMENT:
        order.payment_method = request.paid_method or order.payment_method
        _move(
            order,
            "pay",
            actor=request.paid_by,
            note=_("Pembayaran %(method)s diterima.") % {"method": request.paid_method},
        )
    elif order.status in (Status.CANCELLED, Status.EXPIRED) and request.paid_entry_id is not None:
        left = request.amount - request.refunded_amount
        if left > 0:
            payments.refund_payment_request(
                request,
                left,
                idempotency_key=f"pasar:{order.public_id}:late-refund",
                reason=_("Pesanan %(number)s sudah dibatalkan") % {"number": order.number},
                actor=order.shop.owner,
            )
            order.refunded_amount = min(order.total, order.refunded_amount + left)
            order.save(update_fields=["refunded_amount", "updated_at"])
            OrderEvent.objects.create(
                order=order,
                action="late_payment_refunded",
                note=_("Dana %(amount)s dikembalikan.") % {"amount": rupiah(left)},
            )
    return order


# --- the lifecycle ------------------------------------------------------------------------


def _move(order: Order, action: str, *, actor: User | None, note: str = "") -> None:
    """Write the status change, its event, and the buyer's notification (the caller holds the lock)."""
    target = lifecycle.ACTIONS[action][1]
    previous = order.status
    now = timezone.now()
    order.status = target
    if target == Status.PAID:
        order.paid_at = now
        order.expires_at = None
    elif target == Status.COMPLETED:
        order.completed_at = now
    elif target in (Status.CANCELLED, Status.EXPIRED):
        order.cancelled_at = now
        order.expires_at = None
    order.save(
        update_fields=[
            "status",
            "payment_method",
            "paid_at",
            "completed_at",
            "cancelled_at",
            "expires_at",
            "refunded_amount",
            "updated_at",
        ]
    )
    OrderEvent.objects.create(
        order=order,
        action=action,
        from_status=previous,
        to_status=target,
        actor=actor if actor is not None and actor.pk else None,
        note=str(note)[:255],
    )
    status_label = order.get_status_display()
    notify(
        [order.buyer],
        event=f"marketplace.order_{target}",
        title=_("Pesanan %(number)s: %(status)s") % {"number": order.number, "status": status_label},
        body=_("Pesanan Anda di %(shop)s sekarang berstatus “%(status)s”.")
        % {"shop": order.shop.name, "status": status_label}
        + (f"\n{note}" if note else ""),
        url=_order_url(order),
        key=f"marketplace-order-{order.pk}-{target}",
    )
    if target == Status.PAID or (target == Status.CANCELLED and actor is not None and actor.pk == order.buyer_id):
        notify(
            [order.shop.owner],
            event=f"marketplace.order_{target}",
            title=_("Pesanan %(number)s: %(status)s") % {"number": order.number, "status": status_label},
            body=_("Pesanan dari %(buyer)s senilai %(total)s sekarang berstatus “%(status)s”.")
            % {"buyer": order.buyer, "total": rupiah(order.total), "status": status_label},
            url=_order_url(order),
            key=f"marketplace-order-{order.pk}-{target}-shop",
        )


def _open_allocations(order: Order) -> list[Allocation]:
    return list(
        Allocation.objects.filter(line__order=order, released_at__isnull=True, shipped_at__isnull=True).order_by(
            "stock_id", "pk"
        )
    )


def _release_stock(order: Order) -> set[int]:
    """Give an unshipped order's allocated units back (stock rows locked in id order)."""
    allocations = _open_allocations(order)
    if not allocations:
        return set()
    stocks = {
        s.pk: s
        for s in Stock.objects.select_for_update().filter(pk__in={a.stock_id for a in allocations}).order_by("pk")
    }
    now = timezone.now()
    for allocation in allocations:
        stock = stocks[allocation.stock_id]
        stock.quantity_allocated -= allocation.quantity
        allocation.released_at = now
    Stock.objects.bulk_update(list(stocks.values()), ["quantity_allocated"])
    Allocation.objects.bulk_update(allocations, ["released_at"])
    return set(OrderLine.objects.filter(order=order).values_list("product_id", flat=True))


def _ship_stock(order: Order) -> None:
    """The goods leave: the allocated units leave the locations' physical count too."""
    allocations = _open_allocations(order)
    stocks = {
        s.pk: s
        for s in Stock.objects.select_for_update().filter(pk__in={a.stock_id for a in allocations}).order_by("pk")
    }
    now = timezone.now()
    for allocation in allocations:
        stock = stocks[allocation.stock_id]
        stock.quantity -= allocation.quantity
        stock.quantity_allocated -= allocation.quantity
        allocation.shipped_at = now
    Stock.objects.bulk_update(list(stocks.values()), ["quantity", "quantity_allocated"])
    Allocation.objects.bulk_update(allocations, ["shipped_at"])


def _restock(order: Order) -> set[int]:
    """Returned goods go back where they came from."""
    allocations = list(
        Allocation.objects.filter(line__order=order, shipped_at__isnull=False, restocked_at__isnull=True).order_by(
            "stock_id", "pk"
        )
    )
    stocks = {
        s.pk: s
        for s in Stock.objects.select_for_update().filter(pk__in={a.stock_id for a in allocations}).order_by("pk")
    }
    now = timezone.now()
    for allocation in allocations:
        stocks[allocation.stock_id].quantity += allocation.quantity
        allocation.restocked_at = now
    Stock.objects.bulk_update(list(stocks.values()), ["quantity"])
    Allocation.objects.bulk_update(allocations, ["restocked_at"])
    return set(OrderLine.objects.filter(order=order).values_list("product_id", flat=True))


def _return_money(order: Order, reason: str) -> str:
    """Undo the order's payment: refund what KotaKitaPay took, close an unpaid bill.

    The payments app lets only the merchant (or staff) refund or cancel a bill; the buyer's
    cancellation and the system's expiry act through the shop owner (see the report)."""
    request = order.payment_request
    if request is None:
        return ""
    request = PaymentRequest.objects.get(pk=request.pk)
    if request.status == PaymentRequest.Status.PAID and request.paid_entry_id is not None:
        left = request.amount - request.refunded_amount
        if left > 0:
            payments.refund_payment_request(
                request,
                left,
                idempotency_key=f"pasar:{order.public_id}:refund",
                reason=reason,
                actor=order.shop.owner,
            )
        order.refunded_amount = order.total
        return _("Dana %(amount)s dikembalikan ke dompet pembeli.") % {"amount": rupiah(left)}
    if request.status == PaymentRequest.Status.PAID:  # cash on delivery already handed over
        order.refunded_amount = order.total
        return _("Uang tunai dikembalikan langsung oleh toko.")
    if request.status in (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH):
        payments.cancel_payment_request(request, actor=order.shop.owner)
    return ""


@transaction.atomic
def transition(order: Order, action: str, *, actor: User | None, note: str = "") -> Order:
    """Move an order one step (accept, pack, ship, deliver, complete, cancel, refund, expire).

    Unknown action → 422; someone unrelated → 404; not theirs to take → 403; not from this
    status → 409. Nothing changes on any error."""
    if action not in lifecycle.MANUAL_ACTIONS and not (action == "expire" and actor is None):
        raise ValidationFailed(
            _("Tindakan “%(action)s” tidak dikenal.") % {"action": str(action)[:24]}, code="unknown_action"
        )
    order = _lock_order(order)
    roles = order_roles(order, actor)
    if not roles:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    sources, _target, who = lifecycle.ACTIONS[action]
    if not roles & who:
        raise Forbidden(_("Anda tidak berhak melakukan ini pada pesanan ini."), code="not_allowed")
    if not lifecycle.allowed(action, order.status, roles):
        if action == "cancel" and order.status in sources:
            raise Conflict(
                _("Toko sudah menerima pesanan ini; minta toko untuk membatalkannya."), code="invalid_transition"
            )
        raise Conflict(
            _("Pesanan berstatus “%(status)s” tidak bisa: %(action)s.")
            % {"status": order.get_status_display(), "action": lifecycle.ACTION_LABELS.get(action, action)},
            code="invalid_transition",
            status=order.status,
        )
    note = str(note or "").strip()[:200]
    changed_products: set[int] = set()
    if action == "ship":
        _ship_stock(order)
    elif action == "deliver":
        request = order.payment_request
        if order.payment_method == "cod" and request is not None and request.status != PaymentRequest.Status.PAID:
            payments.confirm_cash_received(request, actor=order.shop.owner)
            note = note or _("Uang tunai diterima saat barang sampai.")
    elif action in ("cancel", "expire"):
        changed_products = _release_stock(order)
        money = _return_money(order, note or str(lifecycle.ACTION_LABELS[action]))
        note = " ".join(part for part in (note, money) if part)
    elif action == "refund":
        changed_products = _restock(order)
        money = _return_money(order, note or str(lifecycle.ACTION_LABELS[action]))
        note = " ".join(part for part in (note, money) if part)
    _move(order, action, actor=actor, note=note)
    if changed_products:
        queue_listing_sync(changed_products)
    return order


def expire_due_orders(now: datetime | None = None, *, limit: int = 500) -> int:
    """Unpaid orders past their deadline expire and release their stock (each on its own).

    A request that was paid meanwhile (a settlement notification whose task got lost) makes
    the order paid instead."""
    now = now or timezone.now()
    due = list(
        Order.objects.filter(status=Status.AWAITING_PAYMENT, expires_at__lte=now)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    expired = 0
    for order_id in due:
        try:
            with transaction.atomic():
                order = sync_payment(order_id)
                if order is not None and order.status == Status.AWAITING_PAYMENT:
                    transition(order, "expire", actor=None)
                    expired += 1
        except DomainError as exc:
            logger.warning("order %s: expiry failed: %s", order_id, exc.message)
    return expired


def complete_delivered(now: datetime | None = None, *, limit: int = 500) -> int:
    """Delivered orders the buyer did not confirm complete after AUTO_COMPLETE_DAYS."""
    cutoff = (now or timezone.now()) - timedelta(days=conf.get("AUTO_COMPLETE_DAYS"))
    due = list(
        Order.objects.filter(status=Status.DELIVERED, updated_at__lte=cutoff)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for order_id in due:
        try:
            with transaction.atomic():
                order = _lock_order(order_id)
                if order.status == Status.DELIVERED:
                    _move(order, "complete", actor=None, note=_("Selesai otomatis."))
                    done += 1
        except DomainError as exc:
            logger.warning("order %s: auto-complete failed: %s", order_id, exc.message)
    return done


# --- reviews ------------------------------------------------------------------------------


@transaction.atomic
def add_review(order: Order, buyer: User, *, rating: Any, comment: str = "", line_id: Any = None) -> Any:
    """A buyer rates a completed order: the shop (no line) or one product line, once each."""
    from .models import Review

    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    if order.buyer_id != buyer.pk:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    if order.status != Status.COMPLETED:
        raise Conflict(_("Ulasan hanya untuk pesanan yang sudah selesai."), code="not_completed")
    value = _whole_number(rating)
    if value is None or not 1 <= value <= 5:
        raise ValidationFailed(_("Nilai harus 1 sampai 5 bintang."), code="invalid_rating", field="rating")
    line = None
    if line_id not in (None, ""):
        line = order.lines.filter(pk=_whole_number(line_id) or 0).first()
        if line is None:
            raise ValidationFailed(_("Barang itu tidak ada di pesanan ini."), code="unknown_line", field="line")
    taken = Review.objects.filter(line=line) if line is not None else Review.objects.filter(order=order, line=None)
    if taken.exists():
        raise Conflict(_("Sudah diulas."), code="already_reviewed")
    return Review.objects.create(
        order=order,
        line=line,
        shop=order.shop,
        product_id=line.product_id if line is not None else None,
        buyer=buyer,
        rating=value,
        comment=str(comment or "").strip()[:2000],
    )


# --- bulk import --------------------------------------------------------------------------


def _resolve_rows(shop: Shop, kind: str, rows: list[ImportRow]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Check parsed rows against the database (no writes): (valid rows as JSON, errors)."""
    existing = {v.sku.lower(): v for v in Variant.objects.filter(shop=shop).select_related("product")}
    locations = {
        loc.code: loc
        for loc in StockLocation.objects.filter(Q(kind=StockLocation.Kind.HUB) | Q(shop=shop), is_active=True)
    }
    own = shop_location(shop)
    valid: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for row in rows:
        variant = existing.get(row.sku.lower())
        location_code = row.location or own.code
        if location_code not in locations and location_code != own.code:
            errors.append(
                {
                    "line": row.line,
                    "code": "unknown_location",
                    "message": _("Lokasi “%(code)s” tidak dikenal.") % {"code": location_code},
                }
            )
            continue
        if kind == ImportBatch.Kind.STOCK and variant is None:
            errors.append(
                {
                    "line": row.line,
                    "code": "unknown_sku",
                    "message": _("SKU %(sku)s tidak ada di toko ini.") % {"sku": row.sku},
                }
            )
            continue
        if row.stock is not None and variant is not None:
            stock = Stock.objects.filter(variant=variant, location__code=location_code).first()
            if stock is not None and row.stock < stock.quantity_allocated:
                errors.append(
                    {
                        "line": row.line,
                        "code": "below_allocated",
                        "message": _("Stok %(sku)s tidak bisa di bawah %(n)d (sudah dipesan).")
                        % {"sku": row.sku, "n": stock.quantity_allocated},
                    }
                )
                continue
        action = "update" if variant is not None else "create"
        valid.append({**row.to_json(), "action": action, "location": location_code})
    return valid, errors


def preview_import(shop: Shop, actor: User, *, file_name: str, content: bytes, kind: str) -> ImportBatch:
    """Dry run: store the file and queue the job that reads and checks it, keeping the rows for
    the preview (apps.marketplace.import_jobs). No product, variant or stock changes until
    `apply_import`. Without a broker the job runs at once."""
    from .import_jobs import start_preview

    _require_shop_manager(shop, actor)
    if kind not in ImportBatch.Kind.values:
        raise ValidationFailed(_("Jenis impor tidak dikenal."), code="unknown_kind")
    return start_preview(shop, actor, file_name=file_name, content=content, kind=kind)


@transaction.atomic
def apply_import(batch: ImportBatch, actor: User) -> ImportBatch:
    """Write a previewed batch's valid rows, all in one transaction (rows with errors were
    shown in the preview and are skipped)."""
    batch = ImportBatch.objects.select_for_update().select_related("shop").get(pk=batch.pk)
    _require_shop_manager(batch.shop, actor)
    if batch.status != ImportBatch.Status.PREVIEW:
        raise Conflict(_("Impor ini sudah %(status)s.") % {"status": batch.get_status_display()}, code="not_preview")
    shop = batch.shop
    rows = [ImportRow.from_json(raw) for raw in batch.rows]
    valid, errors = _resolve_rows(shop, batch.kind, rows)
    if errors:  # the shop changed since the preview
        raise Conflict(
            _("Data toko berubah sejak pratinjau; unggah ulang berkasnya."), code="stale_preview", errors=errors[:20]
        )
    locations = {loc.code: loc for loc in StockLocation.objects.filter(code__in={r["location"] for r in valid})}
    products: dict[str, Product] = {}
    created = updated = 0
    touched: set[int] = set()
    for raw in valid:
        row = ImportRow.from_json(raw)
        variant = Variant.objects.select_related("product").filter(shop=shop, sku__iexact=row.sku).first()
        if batch.kind == ImportBatch.Kind.PRODUCTS:
            if variant is None:
                product = (
                    products.get(row.product.lower())
                    or Product.objects.filter(shop=shop, name__iexact=row.product).first()
                )
                if product is None:
                    product = create_product(
                        shop,
                        actor,
                        name=row.product,
                        description=row.description,
                        categories=row.categories,
                        variants=[VariantSpec(sku=row.sku, name=row.variant, price=row.price, stock=0)],
                    )
                    variant = product.variants.get()
                else:
                    variant = add_variant(product, actor, VariantSpec(sku=row.sku, name=row.variant, price=row.price))
                created += 1
            else:
                product = variant.product
                if product.pk not in touched:
                    update_product(
                        product,
                        actor,
                        name=row.product or product.name,
                        description=row.description if row.description else None,
                        categories=row.categories if row.categories else None,
                    )
                update_variant(variant, actor, name=row.variant, price=row.price, is_active=row.active)
                updated += 1
            products[row.product.lower()] = variant.product
            touched.add(variant.product_id)
        elif variant is not None:
            updated += 1
        if row.stock is not None and variant is not None:
            set_stock(variant, row.stock, actor=actor, location=locations.get(row.location))
    batch.status = ImportBatch.Status.APPLIED
    batch.applied_at = timezone.now()
    batch.summary = {**batch.summary, "created": created, "updated": updated}
    batch.save(update_fields=["status", "applied_at", "summary"])
    return batch


@transaction.atomic
def discard_import(batch: ImportBatch, actor: User) -> ImportBatch:
    batch = ImportBatch.objects.select_for_update().select_related("shop").get(pk=batch.pk)
    _require_shop_manager(batch.shop, actor)
    if batch.status == ImportBatch.Status.PREVIEW:
        batch.status = ImportBatch.Status.DISCARDED
        batch.save(update_fields=["status"])
    return batch


# --- the city-wide listing ----------------------------------------------------------------


def queue_listing_sync(product_ids: Iterable[int]) -> None:
    """After commit, re-publish these products in the kota's public listing (a Celery task in
    this tenant; never a schema hop inside the request)."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    from .tasks import sync_listings

    enqueue_on_commit(sync_listings, ids)
