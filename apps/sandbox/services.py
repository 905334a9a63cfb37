"""Writes of the sandboxes of outside services: the only way the payment gateway sandbox, the
OSS sandbox and the notification sandbox channels change their rows (reads: selectors.py).

Every call works on the current tenant schema's rows only (the schema comes from the
connection, never from the caller) and is refused with `SandboxUnavailable`
- outside DEBUG unless the site is a declared staging site (`SANDBOX_ALLOWED`, which
  `PAYMENTS_ALLOW_SANDBOX` turns on too): production never reaches a sandbox, whatever a
  tenant's channel or OSS configuration says (`check --deploy` refuses the setting, E510);
- on the public schema, where no tenant is set.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from apps.schema_keyed import PUBLIC_SCHEMA, current_schema

from .models import SandboxDelivery, SandboxNib, SandboxTransaction


class SandboxUnavailable(Exception):
    """The sandbox cannot be used here (production, or no tenant schema)."""


def allowed() -> bool:
    """May the local sandboxes run on this site: a developer's machine or a declared staging site."""
    return bool(settings.DEBUG or getattr(settings, "SANDBOX_ALLOWED", False))


def ensure_available() -> str:
    """The current tenant schema, or SandboxUnavailable."""
    if not allowed():
        raise SandboxUnavailable("the local sandboxes of outside services are off on this site (production)")
    schema = current_schema()
    if schema == PUBLIC_SCHEMA:
        raise SandboxUnavailable("the sandboxes belong to a tenant: no tenant schema is set")
    return schema


# --- payment gateway sandbox ---------------------------------------------------------------


def open_transaction(order_id: str, *, gross_amount: int, qr_string: str) -> SandboxTransaction:
    """The transaction of `order_id`, created pending on first call (idempotent like a charge)."""
    ensure_available()
    tx, _created = SandboxTransaction.objects.get_or_create(
        order_id=order_id, defaults={"gross_amount": gross_amount, "qr_string": qr_string}
    )
    return tx


def update_transaction(tx: SandboxTransaction, *, status: str, refunded_amount: int | None = None) -> None:
    """Move a transaction (read locked through `selectors.transaction_for(..., lock=True)`)."""
    ensure_available()
    tx.status = status
    fields = ["status", "updated_at"]
    if refunded_amount is not None:
        tx.refunded_amount = refunded_amount
        fields.append("refunded_amount")
    tx.save(update_fields=fields)


# --- OSS sandbox ---------------------------------------------------------------------------


def issue_nib(*, nib: str, nik_digest: str, business_name: str, kbli_codes: list[str]) -> SandboxNib:
    ensure_available()
    return SandboxNib.objects.create(nib=nib, nik_digest=nik_digest, business_name=business_name, kbli_codes=kbli_codes)


def add_kbli(row: SandboxNib, code: str) -> None:
    ensure_available()
    if code not in row.kbli_codes:
        row.kbli_codes = [*row.kbli_codes, code]
        row.save(update_fields=["kbli_codes"])


# --- notification sandbox channels ---------------------------------------------------------


def record_delivery(
    *,
    channel: str,
    address: str,
    title: str,
    body: str,
    url: str,
    idempotency_key: str,
    payload: dict[str, Any] | None = None,
) -> SandboxDelivery:
    """Record what would have been sent; the same idempotency key on the channel records once."""
    ensure_available()
    try:
        with transaction.atomic():
            return SandboxDelivery.objects.create(
                channel=channel,
                address=address,
                title=title,
                body=body,
                url=url,
                payload=payload,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        return SandboxDelivery.objects.get(channel=channel, idempotency_key=idempotency_key)
