"""Reviews of completed orders."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.money import parse_count
from apps.core.short_text import clean_short_text

from .. import lifecycle
from ..models import (
    Order,
)

Status = lifecycle.Status


@transaction.atomic
def add_review(order: Order, buyer: User, *, rating: Any, comment: str = "", line_id: Any = None) -> Any:
    """A buyer rates a completed order: the shop (no line) or one product line, once each."""
    from ..models import Review

    order = Order.objects.select_for_update(of=("self",)).select_related("shop").get(pk=order.pk)
    if order.buyer_id != buyer.pk:
        raise NotFound(_("Pesanan tidak ditemukan."), code="unknown_order")
    if order.status != Status.COMPLETED:
        raise Conflict(_("Ulasan hanya untuk pesanan yang sudah selesai."), code="not_completed")
    value = parse_count(rating)
    if value is None or not 1 <= value <= 5:
        raise ValidationFailed(_("Nilai harus 1 sampai 5 bintang."), code="invalid_rating", field="rating")
    line = None
    if line_id not in (None, ""):
        line = order.lines.filter(pk=parse_count(line_id) or 0).first()
        if line is None:
            raise ValidationFailed(_("Barang itu tidak ada di pesanan ini."), code="unknown_line", field="line")
    text = clean_short_text(comment, field="comment", max_length=Review.COMMENT_MAX)
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
        comment=text,
    )
