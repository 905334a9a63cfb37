"""The sandbox gateway's "bank app": pay a QRIS code against the sandbox."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import NotFound, ValidationFailed
from apps.sandbox import selectors as sandbox_rows
from apps.sandbox.models import SandboxTransaction

from .. import qris
from ..gateways import (
    SandboxGateway,
    get_gateway,
    may_use_sandbox,
    sandbox_enabled,
)
from ..scanning import read_qris


def sandbox_gateway() -> SandboxGateway:
    """The sandbox, where it is the active gateway and allowed to be; 404 anywhere else."""
    if not sandbox_enabled():
        raise NotFound(_("Sandbox pembayaran tidak aktif di situs ini."), code="sandbox_disabled")
    gateway = get_gateway("sandbox")
    assert isinstance(gateway, SandboxGateway)
    return gateway


def sandbox_payment_for(payload: str) -> tuple[qris.QrisPayload, SandboxTransaction]:
    """Read a scanned/pasted QRIS and find the sandbox charge it belongs to (its bill number)."""
    sandbox_gateway()
    parsed = read_qris(payload)
    tx = sandbox_rows.transaction_for(parsed.bill_number) if parsed.bill_number else None
    if tx is None:
        raise NotFound(
            _("QRIS ini bukan tagihan sandbox KotaKita (nomor tagihan %(bill)s tidak dikenal).")
            % {"bill": parsed.bill_number or "-"},
            code="unknown_bill",
        )
    if parsed.amount is not None and parsed.amount != tx.gross_amount:
        raise ValidationFailed(_("Jumlah di QRIS berbeda dengan tagihan."), code="amount_mismatch")
    return parsed, tx


@transaction.atomic
def sandbox_pay(order_id: str, *, actor: User | None = None) -> SandboxTransaction:
    """The payer's bank app pays a QRIS charge; the gateway then notifies us (after commit).
    With an actor (a page or API call), only one `may_use_sandbox` allows: 404 for the rest."""
    if actor is not None and not may_use_sandbox(actor):
        raise NotFound(_("Sandbox pembayaran tidak aktif di situs ini."), code="sandbox_disabled")
    tx = sandbox_gateway().pay(order_id)
    from apps.core.tasks import enqueue_on_commit

    from ..tasks import deliver_sandbox_notification

    enqueue_on_commit(deliver_sandbox_notification, order_id)
    return tx


@transaction.atomic
def sandbox_expire(order_id: str) -> SandboxTransaction:
    """Let a pending sandbox charge run out (what a real QRIS code does after 15 minutes); the
    gateway then notifies us "expire" (after commit), signed like Midtrans. Demo and tests."""
    gateway = sandbox_gateway()
    gateway.expire(order_id)  # a GatewayError (404) for an unknown order
    from apps.core.tasks import enqueue_on_commit

    from ..tasks import deliver_sandbox_notification

    enqueue_on_commit(deliver_sandbox_notification, order_id)
    tx = sandbox_rows.transaction_for(order_id)
    assert tx is not None
    return tx


def sandbox_code_of(order_id: str) -> str:
    """The QRIS of a sandbox charge by its order id (what the deeplink opens), "" if unknown."""
    sandbox_gateway()
    tx = sandbox_rows.transaction_for(order_id[:50])
    return tx.qr_string if tx is not None else ""
