"""Private files of the marketplace: product/stock import uploads (registered with apps.core.files)."""

from __future__ import annotations

from typing import Any

from apps.core.files import register_private

from .models import ImportBatch


def can_view_import(user: Any, batch: ImportBatch) -> bool:
    """A shop's import file is its owner's business (and whoever uploaded it)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return user.pk in (batch.shop.owner_id, batch.created_by_id)


register_private(ImportBatch, "upload", can_view_import, filename_stem="impor-produk")
