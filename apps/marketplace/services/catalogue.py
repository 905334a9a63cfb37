"""Catalogue writes: products, variants, stock levels and product photos."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, ValidationFailed
from apps.core.short_text import clean_short_text

from ..models import (
    Category,
    Product,
    ProductPhoto,
    Shop,
    Stock,
    StockLocation,
    Variant,
)
from .access import _require_shop_manager
from .inputs import _clean_text, _photo, clean_price, clean_quantity, clean_sku
from .listing import _refresh_search, queue_listing_sync
from .shops import _unique_slug, shop_location


@dataclass(frozen=True)
class VariantSpec:
    sku: Any
    price: Any
    name: Any = ""
    stock: Any = 0


# Product.description is a TextField: this is the catalogue's bound, told to the seller past it.
DESCRIPTION_MAX = 5000


def _category_names(names: Iterable[Any]) -> list[str]:
    """The category names a seller typed, checked before anything is written: one longer than
    Category.name would otherwise become a new category under a cut name."""
    cleaned = (clean_short_text(raw, field="categories", max_length=80, collapse_spaces=True) for raw in names)
    return [name for name in cleaned if name]


def _categories(names: list[str]) -> list[Category]:
    found: list[Category] = []
    for name in names:
        category = Category.objects.filter(name__iexact=name).first()
        if category is None:
            category = Category.objects.create(name=name, slug=_unique_slug(Category, name, "kategori"))
        if category not in found:
            found.append(category)
    return found


def split_categories(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,;]", text or "") if part.strip()]


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
    name = _clean_text(name, field_name="name", label=_("Nama produk"), max_length=150)
    description = clean_short_text(description, field="description", max_length=DESCRIPTION_MAX)
    category_names = _category_names(categories)
    product = Product.objects.create(shop=shop, name=name, description=description)
    product.categories.set(_categories(category_names))
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
        product.description = clean_short_text(description, field="description", max_length=DESCRIPTION_MAX)
    category_names = _category_names(categories) if categories is not None else None
    if is_active is not None:
        product.is_active = bool(is_active)
    product.save()
    if category_names is not None:
        product.categories.set(_categories(category_names))
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
