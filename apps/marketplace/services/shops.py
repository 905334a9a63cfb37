"""Shop writes: opening, editing, verification marks, hubs, and each shop's stock location."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.core.money import parse_count, parse_rupiah
from apps.core.opening_hours import clean_opening_hours
from apps.core.short_text import clean_short_text
from apps.payments import services as payments

from ..models import (
    Category,
    Product,
    Shop,
    StockLocation,
)
from .access import _may_sell, _require_shop_manager
from .inputs import _clean_text, _photo, clean_point
from .listing import _refresh_search, queue_listing_sync

MAX_TERMS_DAYS = 180  # Shop.invoice_terms_days (constraint marketplace_shop_terms_days); invoicing's limit too


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
def ensure_payment_account(shop: Shop) -> Shop:
    """The shop with its sales account, opened on first use (apps.bazar pays vouchers into it)."""
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    _ensure_payment_account(shop)
    return shop


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
    accepts_invoice: bool = False,
    invoice_terms_days: Any = 30,
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
        accepts_invoice=accepts_invoice,
        invoice_terms_days=invoice_terms_days,
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
        # A TextField: the bound is the shop page's, and past it the owner is told, never cut.
        shop.description = clean_short_text(values["description"], field="description", max_length=2000)
    if "lat" in values or "lng" in values:
        shop.lat, shop.lng = clean_point(values.get("lat"), values.get("lng"))
    if "opening_hours" in values:
        shop.opening_hours = clean_opening_hours(values["opening_hours"])
    for flag in ("offers_pickup", "offers_hub_delivery", "offers_own_delivery"):
        if flag in values:
            setattr(shop, flag, bool(values[flag]))
    if "own_delivery_fee" in values:
        fee = parse_rupiah(values["own_delivery_fee"] or 0)
        if fee is None or fee < 0:
            raise ValidationFailed(_("Ongkos antar tidak boleh negatif."), code="invalid_fee", field="own_delivery_fee")
        shop.own_delivery_fee = fee
    if "accepts_invoice" in values:
        shop.accepts_invoice = bool(values["accepts_invoice"])
    if "invoice_terms_days" in values:
        days = parse_count(values["invoice_terms_days"] or 0)
        if days is None or not 1 <= days <= MAX_TERMS_DAYS:
            raise ValidationFailed(
                _("Tempo faktur antara 1 dan %(max)s hari.") % {"max": MAX_TERMS_DAYS},
                code="invalid_terms",
                field="invoice_terms_days",
            )
        shop.invoice_terms_days = days
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
        "accepts_invoice",
        "invoice_terms_days",
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
    reason = clean_short_text(reason, field="reason", max_length=255)
    shop = Shop.objects.select_for_update().get(pk=shop.pk)
    shop.verified = False
    shop.verified_reason = reason
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
        address=clean_short_text(address, field="address", max_length=255),
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
