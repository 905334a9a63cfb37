"""Private files of bansos: distribution proofs and import uploads (registered with apps.core.files)."""

from __future__ import annotations

from typing import Any

from apps.core.files import register_private

from .models import Distribution, ImportBatch
from .services import is_aid_staff


def can_view_proof(user: Any, distribution: Distribution) -> bool:
    """A hand-over photo shows a beneficiary: kelurahan staff only (as all bansos data)."""
    return is_aid_staff(user) and bool(getattr(user, "is_active", False))


register_private(Distribution, "proof", can_view_proof, filename_stem="bukti-bansos")


def can_view_import(user: Any, batch: ImportBatch) -> bool:
    """An uploaded beneficiary list holds full NIKs: kelurahan aid staff only."""
    return is_aid_staff(user) and bool(getattr(user, "is_active", False))


register_private(ImportBatch, "upload", can_view_import, filename_stem="impor-bansos")
