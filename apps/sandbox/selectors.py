"""Reads of the sandboxes, always the current tenant schema's rows (see models.py)."""

from __future__ import annotations

from collections.abc import Iterable

from .models import SandboxDelivery, SandboxNib, SandboxTransaction
from .services import ensure_available


def transaction_for(order_id: str, *, lock: bool = False) -> SandboxTransaction | None:
    """The sandbox gateway's transaction of `order_id` (locked for update with `lock`)."""
    ensure_available()
    rows = SandboxTransaction.objects.filter(order_id=order_id)
    return (rows.select_for_update() if lock else rows).first()


def nib(value: str) -> SandboxNib | None:
    ensure_available()
    return SandboxNib.objects.filter(nib=value).first()


def nib_of_owner(nik_digests: Iterable[str], *, lock: bool = False) -> SandboxNib | None:
    """The NIB already issued to the NIK behind one of these digests (current and old keys)."""
    ensure_available()
    rows = SandboxNib.objects.filter(nik_digest__in=list(nik_digests))
    return (rows.select_for_update() if lock else rows).first()


def nib_taken(value: str) -> bool:
    ensure_available()
    return SandboxNib.objects.filter(nib=value).exists()


def delivery(channel: str, idempotency_key: str) -> SandboxDelivery | None:
    ensure_available()
    return SandboxDelivery.objects.filter(channel=channel, idempotency_key=idempotency_key).first()
