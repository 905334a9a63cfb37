"""Private files of deliveries (registered with apps.core.files)."""

from __future__ import annotations

from typing import Any

from apps.core.files import register_private

from .models import Delivery
from .selectors import may_track


def can_view_proof(user: Any, delivery: Delivery) -> bool:
    """The delivery photo: the buyer, the shop owner and staff (who may track it) and the
    courier who delivered it."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if delivery.courier_id is not None and delivery.courier is not None and delivery.courier.user_id == user.pk:
        return True
    return may_track(delivery, user)


register_private(Delivery, "proof_photo", can_view_proof, filename_stem="bukti-antar")
