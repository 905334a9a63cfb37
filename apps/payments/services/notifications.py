"""Gateway top-ups and notifications: signed status callbacks applied to charges, and status sync."""

from __future__ import annotations

import json
import logging
import zlib
from dataclasses import dataclass
from typing import Any, cast

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed

from .. import events, intake, qris
from ..gateways import (
    Gateway,
    GatewayError,
    GatewayStatus,
    get_gateway,
    parse_amount,
    refunded_total,
    verify_signature,
)
from ..models import (
    Account,
    ChargeStatus,
    EntryKind,
    GatewayCharge,
    GatewayNotification,
    PaymentRequest,
)
from ._common import (
    TOP_UP_KINDS,
    _mark_paid,
    _open_at_gateway,
    _require,
    _setting,
    _tenant_tag,
    clean_amount,
    fee_for_payee,
    new_order_id,
    tenant_city,
)
from ._ledger import _payment, _reverse, _reversed_so_far
from .accounts import gateway_clearing_account
from .movements import refund, top_up

logger = logging.getLogger(__name__)


@transaction.atomic
def start_top_up(wallet: Account, amount: int, *, actor: User | None = None, reference: str = "") -> GatewayCharge:
    """Open a QRIS charge at the gateway; the wallet is credited when it settles. Another app
    paying into its own account gives `reference="<kind>:<key>"`: the settlement is then
    dispatched to its handler (`events.PaymentSettled`)."""
    amount = clean_amount(amount)
    _require(wallet, TOP_UP_KINDS, _("Isi saldo hanya ke dompet, kas RT atau dana arisan."))
    gateway = get_gateway()
    charge = GatewayCharge.objects.create(
        order_id=new_order_id("TU"),
        gateway=gateway.name,
        purpose=GatewayCharge.Purpose.TOP_UP,
        wallet=wallet,
        gross_amount=amount,
        reference=reference.strip()[:100],
        created_by=actor if actor is not None and actor.pk else None,
    )
    profile = qris.Merchant(
        name="KOTAKITAPAY ISI SALDO",
        city=tenant_city(),
        nmid=f"ID{zlib.crc32(_tenant_tag().encode()) % 10**13:013d}",
        guid=str(_setting("PAYMENTS_QRIS_GUID", "ID.CO.KOTAKITA.WWW")),
        pan="9360999900000000000",
        merchant_id="KKTOPUP",
        mcc="6540",  # stored value card purchase/load
    )
    _open_at_gateway(charge, gateway, profile, str(_("Isi saldo KotaKitaPay")))
    return charge


# Allowed forward moves (specs.md), plus a first status from `created`, card authorize/capture
# after pending, and further partial refunds/chargebacks.
ALLOWED_MOVES: dict[str, frozenset[str]] = {
    ChargeStatus.CREATED: frozenset(ChargeStatus.values) - {ChargeStatus.CREATED},
    ChargeStatus.PENDING: frozenset(
        {
            ChargeStatus.SETTLEMENT,
            ChargeStatus.EXPIRE,
            ChargeStatus.CANCEL,
            ChargeStatus.DENY,
            ChargeStatus.AUTHORIZE,
            ChargeStatus.CAPTURE,
            ChargeStatus.FAILURE,
        }
    ),
    ChargeStatus.AUTHORIZE: frozenset({ChargeStatus.CAPTURE, ChargeStatus.CANCEL}),
    ChargeStatus.CAPTURE: frozenset({ChargeStatus.SETTLEMENT, ChargeStatus.CANCEL}),
    ChargeStatus.SETTLEMENT: frozenset(
        {ChargeStatus.REFUND, ChargeStatus.PARTIAL_REFUND, ChargeStatus.CHARGEBACK, ChargeStatus.PARTIAL_CHARGEBACK}
    ),
    ChargeStatus.PARTIAL_REFUND: frozenset(
        {ChargeStatus.PARTIAL_REFUND, ChargeStatus.REFUND, ChargeStatus.CHARGEBACK, ChargeStatus.PARTIAL_CHARGEBACK}
    ),
    ChargeStatus.PARTIAL_CHARGEBACK: frozenset({ChargeStatus.PARTIAL_CHARGEBACK, ChargeStatus.CHARGEBACK}),
}


PAID_STATUSES = frozenset({ChargeStatus.SETTLEMENT, ChargeStatus.CAPTURE})


REFUND_STATUSES = frozenset(
    {ChargeStatus.REFUND, ChargeStatus.PARTIAL_REFUND, ChargeStatus.CHARGEBACK, ChargeStatus.PARTIAL_CHARGEBACK}
)


REQUIRED_NOTIFICATION_FIELDS = ("order_id", "status_code", "gross_amount", "signature_key", "transaction_status")


@dataclass(frozen=True)
class NotificationOutcome:
    outcome: str
    status: str
    reason: str = ""


class ForgedNotification(Forbidden):
    code = "invalid_signature"


def receive_notification(body: Any, *, remote_addr: str | None = None, raw: bytes | None = None) -> GatewayNotification:
    """Handle one gateway notification: check it, confirm it with the gateway, apply it once
    and only forwards, log it.

    Malformed → ValidationFailed (422), forged → ForgedNotification (403): nothing is stored,
    only a log line with the body's digest (`intake.log_refused`; the endpoint is anonymous).
    Once the signature checks out: unknown order → NotFound (404), wrong amount → Conflict
    (409), gateway unreachable or vague while confirming → GatewayError (503, the gateway
    retries); each of those changes nothing but leaves a `rejected` row. Duplicates and stale
    (backward) notifications are stored and answered 200 so the gateway stops retrying.
    """
    signature_ok = False
    try:
        _require_fields(body)
        gateway = get_gateway()
        if not verify_signature(body, gateway.server_key):
            raise ForgedNotification(_("Tanda tangan notifikasi tidak sah."))
        signature_ok = True
        fields = _notification_fields(body)
        with transaction.atomic():
            charge, outcome = _apply_notification(fields, gateway)
            return GatewayNotification.objects.create(
                order_id=str(fields["order_id"])[:100],
                transaction_status=str(fields["transaction_status"])[:32],
                status_code=str(fields["status_code"])[:8],
                gross_amount=str(fields["gross_amount"])[:32],
                signature_valid=True,
                outcome=outcome.outcome,
                reason=outcome.reason[:255],
                charge=charge,
                remote_addr=remote_addr,
                payload=_loggable(body),
            )
    except DomainError as exc:
        if not signature_ok:
            intake.log_refused(body, raw, remote_addr, exc)
            raise
        signed = cast(dict[str, Any], body)
        known = GatewayCharge.objects.filter(order_id=str(signed["order_id"])[:50]).first()
        GatewayNotification.objects.create(
            order_id=str(signed["order_id"])[:100],
            transaction_status=str(signed.get("transaction_status", ""))[:32],
            status_code=str(signed["status_code"])[:8],
            gross_amount=str(signed["gross_amount"])[:32],
            signature_valid=True,
            outcome=GatewayNotification.Outcome.REJECTED,
            reason=str(exc.message)[:255],
            charge=known,
            remote_addr=remote_addr,
            payload=_loggable(body),
        )
        logger.warning("gateway notification rejected (%s): %s", exc.code, exc.message)
        raise


def _loggable(body: Any) -> dict[str, Any]:
    if isinstance(body, dict):
        try:
            json.dumps(body)
            return body
        except (TypeError, ValueError):
            return {"unserializable": repr(body)[:2000]}
    return {"raw": repr(body)[:2000]}


def _require_fields(body: Any) -> dict[str, Any]:
    """The shape a signature can be checked on (nothing of it is trusted yet)."""
    if not isinstance(body, dict):
        raise ValidationFailed(_("Notifikasi harus berupa objek JSON."), code="malformed_notification")
    missing = [name for name in REQUIRED_NOTIFICATION_FIELDS if not isinstance(body.get(name), str) or not body[name]]
    if missing:
        raise ValidationFailed(
            _("Notifikasi tidak lengkap: %(fields)s.") % {"fields": ", ".join(missing)},
            code="malformed_notification",
            missing=missing,
        )
    return body


def _notification_fields(body: Any) -> dict[str, Any]:
    body = _require_fields(body)
    if body["transaction_status"] not in ChargeStatus.values or body["transaction_status"] == ChargeStatus.CREATED:
        raise ValidationFailed(
            _("Status transaksi “%(status)s” tidak dikenal.") % {"status": body["transaction_status"][:32]},
            code="malformed_notification",
        )
    if parse_amount(body["gross_amount"]) is None:
        raise ValidationFailed(_("gross_amount tidak valid."), code="malformed_notification")
    return body


def must_confirm(gateway: Gateway) -> bool:
    """Ask the gateway before applying a signed notification? Always with a real gateway
    outside DEBUG: PAYMENTS_CONFIRM_NOTIFICATIONS=False only counts for the sandbox or DEBUG."""
    if _setting("PAYMENTS_CONFIRM_NOTIFICATIONS", True):
        return True
    return not (settings.DEBUG or gateway.name == "sandbox")


def _confirmed(fields: dict[str, Any], gateway: Gateway, *, confirm: bool) -> tuple[str, str, int, str]:
    """(status, fraud status, refunded total, note): the gateway's own word when we ask it."""
    status = str(fields["transaction_status"])
    fraud = str(fields.get("fraud_status") or "")
    gross = parse_amount(fields["gross_amount"]) or 0
    refunded = refunded_total(fields, gross)
    if not confirm or not must_confirm(gateway):
        return status, fraud, refunded, ""
    answer: GatewayStatus = gateway.check_status(str(fields["order_id"]))
    if answer.transaction_status not in ChargeStatus.values or answer.transaction_status == ChargeStatus.CREATED:
        # No clear answer: apply nothing; 503 makes the gateway notify again later.
        raise GatewayError(_("Gateway tidak memastikan status transaksi."), code="status_unconfirmed")
    if answer.gross_amount != gross:
        raise Conflict(
            _("Jumlah menurut gateway (%(got)s) berbeda dengan notifikasi.") % {"got": answer.gross_amount},
            code="amount_mismatch",
        )
    if answer.transaction_status != status:
        note = f"confirmed by gateway: {answer.transaction_status} (notified {status})"
        return answer.transaction_status, answer.fraud_status, answer.refunded_amount, note
    return status, answer.fraud_status or fraud, max(refunded, answer.refunded_amount), ""


def _apply_notification(
    fields: dict[str, Any], gateway: Gateway, *, confirm: bool = True
) -> tuple[GatewayCharge, NotificationOutcome]:
    order_id = str(fields["order_id"])
    found = GatewayCharge.objects.filter(order_id=order_id).first()
    if found is None:
        raise NotFound(_("Order %(order)s tidak dikenal.") % {"order": order_id[:50]}, code="unknown_order")
    if parse_amount(fields["gross_amount"]) != found.gross_amount:
        raise Conflict(
            _("Jumlah notifikasi (%(got)s) berbeda dengan transaksi (%(want)s).")
            % {"got": str(fields["gross_amount"])[:32], "want": found.gross_amount},
            code="amount_mismatch",
        )
    status, fraud, refunded, note = _confirmed(fields, gateway, confirm=confirm)
    # Lock order: request, then charge (then accounts inside the ledger calls).
    if found.payment_request_id:
        PaymentRequest.objects.select_for_update().filter(pk=found.payment_request_id).first()
    charge = GatewayCharge.objects.select_for_update().get(pk=found.pk)
    current = str(charge.status)

    if status == current and not (status in REFUND_STATUSES and refunded > charge.refunded_amount):
        return charge, NotificationOutcome(GatewayNotification.Outcome.DUPLICATE, status, note)
    if status not in ALLOWED_MOVES.get(current, frozenset()):
        return charge, NotificationOutcome(
            GatewayNotification.Outcome.STALE, current, (note + f" {current} -> {status} is not a forward move").strip()
        )

    reasons = [note] if note else []
    if status in PAID_STATUSES and fraud in ("", "accept") and charge.settlement_entry_id is None:
        reasons += _settle(charge)
    if status in REFUND_STATUSES and refunded > charge.refunded_amount:
        reasons += _reverse_for_gateway(charge, refunded, status)
    charge.status = status
    charge.fraud_status = fraud
    if status == ChargeStatus.SETTLEMENT and charge.settled_at is None:
        charge.settled_at = timezone.now()
    charge.save()
    return charge, NotificationOutcome(GatewayNotification.Outcome.APPLIED, status, " ".join(reasons))


def _settle(charge: GatewayCharge) -> list[str]:
    """Post the money of a settled charge (once: the idempotency key is the order id) and
    dispatch it to the handler of its reference kind (after commit)."""
    key = f"gateway:{charge.order_id}:paid"
    reference = f"charge:{charge.order_id}"
    if charge.purpose == GatewayCharge.Purpose.TOP_UP and charge.wallet is not None:
        charge.settlement_entry = top_up(charge.wallet, charge.gross_amount, reference=reference, idempotency_key=key)
        kind, ref_key = events.split_reference(charge.reference)
        events.dispatch_settled(
            events.PaymentSettled(
                request_id=None,
                charge_id=charge.pk,
                bill_number=charge.order_id,
                kind=kind,
                key=ref_key,
                amount=charge.gross_amount,
                method="qris",
                paid_at=timezone.now(),
            )
        )
        return []
    request = charge.payment_request
    if request is None:  # pragma: no cover - the DB check constraint forbids it
        return ["charge without target"]
    entry = _payment(
        gateway_clearing_account(),
        request.merchant,
        charge.gross_amount,
        fee_for_payee(request.merchant, charge.gross_amount),
        reference,
        key,
        description=request.description or str(_("Tagihan %(bill)s") % {"bill": request.bill_number}),
        actor=None,
    )
    charge.settlement_entry = entry
    request = PaymentRequest.objects.get(pk=request.pk)  # locked by the caller
    if request.status == PaymentRequest.Status.PAID:
        # Paid twice (wallet and QRIS raced): the money arrived, so it is booked; flag it.
        charge.needs_attention = str(_("Tagihan sudah lunas dengan cara lain: kembalikan dana ini."))
        return ["double payment"]
    note = ["paid after cancellation"] if request.status == PaymentRequest.Status.CANCELLED else []
    _mark_paid(request, entry, method="qris", payer=None, charge=charge)
    return note


def _reverse_for_gateway(charge: GatewayCharge, refunded: int, status: str) -> list[str]:
    """The gateway refunded/charged back more than we booked: book the difference."""
    delta = min(refunded, charge.gross_amount) - charge.refunded_amount
    entry = charge.settlement_entry
    if delta <= 0 or entry is None:
        return []
    key = f"gateway:{charge.order_id}:{status}:{refunded}"
    try:
        with transaction.atomic():
            if entry.kind == EntryKind.PAYMENT:
                refund(entry, delta, idempotency_key=key, reason=status, at_gateway=False)
            else:
                _reverse(
                    entry,
                    delta,
                    kind=EntryKind.REVERSAL,
                    key=key,
                    operation="gateway_reversal",
                    description=str(_("Dibalik oleh gateway (%(status)s)") % {"status": status}),
                    actor=None,
                )
    except Conflict as exc:
        charge.needs_attention = str(exc.message)[:255]
        return [f"not booked: {exc.message}"]
    charge.refunded_amount = min(refunded, charge.gross_amount)
    if charge.payment_request_id:
        PaymentRequest.objects.filter(pk=charge.payment_request_id).update(refunded_amount=_reversed_so_far(entry))
    return []


@transaction.atomic
def sync_charge_status(charge: GatewayCharge) -> GatewayNotification:
    """Ask the gateway for a charge's status and apply it as if it had been notified
    (reconciliation, an operator's "check status", or after cancelling at the gateway)."""
    gateway = get_gateway(charge.gateway)
    answer = gateway.check_status(charge.order_id)
    body = {
        **answer.raw,
        "order_id": charge.order_id,
        "transaction_status": answer.transaction_status,
        "gross_amount": f"{answer.gross_amount}.00",
    }
    _notification_fields({**body, "status_code": "200", "signature_key": "-"})
    synced, outcome = _apply_notification(body, gateway, confirm=False)
    return GatewayNotification.objects.create(
        order_id=charge.order_id,
        transaction_status=answer.transaction_status[:32],
        status_code=answer.status_code[:8],
        gross_amount=f"{answer.gross_amount}.00",
        signature_valid=True,
        outcome=outcome.outcome,
        reason=("status check " + outcome.reason).strip()[:255],
        charge=synced,
        payload=_loggable(answer.raw),
    )
