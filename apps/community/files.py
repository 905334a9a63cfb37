"""Private files of the RT cash book (registered with apps.core.files)."""

from __future__ import annotations

from typing import Any

from apps.core.files import register_private

from . import policy
from .models import CashBookEntry


def can_view_receipt(user: Any, line: CashBookEntry) -> bool:
    """The RT's transparent report shows receipts to its residents, treasurer, ketua RT/RW and
    staff (policy.can_view_books); the member a line is about (payer or payee) sees it too."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if line.member_id is not None and line.member_id == user.pk:
        return True
    return policy.can_view_books(user, line.cash_book.rt)


register_private(CashBookEntry, "receipt", can_view_receipt, content_type_field="receipt_type", filename_stem="bukti")
