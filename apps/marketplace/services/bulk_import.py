"""Bulk catalogue import: preview (resolve rows against the shop), apply and discard."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, ValidationFailed

from ..importing import ImportRow
from ..models import (
    ImportBatch,
    Product,
    Shop,
    Stock,
    StockLocation,
    Variant,
)
from .access import _require_shop_manager
from .catalogue import VariantSpec, add_variant, create_product, set_stock, update_product, update_variant
from .listing import sync_deferred
from .shops import shop_location


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
    from ..import_jobs import start_preview

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
    # The shop's variants by SKU and products by name, read once: a lookup per row made the
    # apply quadratic (the planner, blind to the rows this transaction adds, scans them all).
    # Oldest first wins, as `.first()` did.
    variants = {v.sku.upper(): v for v in Variant.objects.select_related("product").filter(shop=shop).order_by("-pk")}
    named = {p.name.lower(): p for p in Product.objects.filter(shop=shop).order_by("-pk")}
    products: dict[str, Product] = {}
    created = updated = 0
    touched: set[int] = set()
    with sync_deferred():
        for raw in valid:
            row = ImportRow.from_json(raw)
            variant = variants.get(row.sku.upper())
            if batch.kind == ImportBatch.Kind.PRODUCTS:
                if variant is None:
                    product = products.get(row.product.lower()) or named.get(row.product.lower())
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
                        spec = VariantSpec(sku=row.sku, name=row.variant, price=row.price)
                        variant = add_variant(product, actor, spec)
                    variants[row.sku.upper()] = variant
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
