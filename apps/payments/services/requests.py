"""Payment requests: create, charge at the gateway, pay by wallet or cash, cancel and refund."""

from __future__ import annotations

import datetime
import logging

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden
from apps.core.short_text import clean_short_text

from .. import qris
from ..gateways import (
    GatewayError,
    get_gateway,
)
from ..models import (
    Account,
    AccountKind,
    ChargeStatus,
    GatewayCharge,
    JournalEntry,
    PaymentRequest,
)
from ._common import (
    PAYEE_KINDS,
    _mark_paid,
    _open_at_gateway,
    _require,
    clean_amount,
    clean_key,
    fee_for_payee,
    new_order_id,
)
from .accounts import ensure_wallet, merchant_profile
from .movements import pay, refund

logger = logging.getLogger(__name__)


def _request_reference(request: PaymentRequest) -> str:
    return f"request:{request.public_id}"


@transaction.atomic
def create_payment_request(
    merchant_account: Account,
    amount: int,
    *,
    description: str = "",
    reference: str = "",
    actor: User | None = None,
    open_qris_charge: bool = True,
    payer: User | None = None,
    due_on: datetime.date | None = None,
) -> PaymentRequest:
    """A bill with its dynamic QRIS; with `open_qris_charge` the gateway charge is opened too
    (its QR string is the one shown). If the gateway cannot be reached the request still exists
    (payable by wallet) and the charge is opened when someone chooses QRIS."""
    amount = clean_amount(amount)
    description = clean_short_text(description, field="description", max_length=255)
    reference = clean_short_text(reference, field="reference", max_length=100)
    _require(merchant_account, PAYEE_KINDS, _("Tagihan hanya untuk rekening penjualan."))
    if not merchant_account.is_active:
        raise Conflict(_("Akun %(name)s dibekukan.") % {"name": merchant_account.name}, code="account_frozen")
    bill_number = new_order_id("PR")
    request = PaymentRequest.objects.create(
        merchant=merchant_account,
        amount=amount,
        description=description,
        reference=reference,
        bill_number=bill_number,
        qris_payload=qris.generate_dynamic(
            merchant_profile(merchant_account), amount, bill_number, reference_label=reference[:25]
        ),
        created_by=actor if actor is not None and actor.pk else None,
        payer=payer,
        due_on=due_on,
    )
    if open_qris_charge:
        try:
            with transaction.atomic():
                ensure_request_charge(request, actor=actor)
        except GatewayError as exc:
            logger.warning("payment request %s: no gateway charge yet: %s", bill_number, exc)
        request.refresh_from_db()
    return request


@transaction.atomic
def ensure_request_charge(request: PaymentRequest, *, actor: User | None = None) -> GatewayCharge:
    """The open QRIS charge of a request (order_id = bill number), created at the gateway once."""
    request = PaymentRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != PaymentRequest.Status.OPEN:
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    charge = GatewayCharge.objects.filter(payment_request=request).order_by("-id").first()
    if charge is not None and charge.status in DEAD_CHARGE:
        # The code expired or was cancelled at the gateway while the bill is still open: a new
        # code needs a new order id there (Midtrans never reuses one).
        charge = None
        order_id = new_order_id("PR")
    else:
        order_id = request.bill_number
    if charge is not None and charge.status not in (ChargeStatus.CREATED, ChargeStatus.FAILURE):
        return charge
    gateway = get_gateway()
    if charge is None:
        charge = GatewayCharge.objects.create(
            order_id=order_id,
            gateway=gateway.name,
            purpose=GatewayCharge.Purpose.PAYMENT,
            payment_request=request,
            gross_amount=request.amount,
            created_by=actor if actor is not None and actor.pk else None,
        )
    _open_at_gateway(charge, gateway, merchant_profile(request.merchant), request.description)
    if charge.qr_string and charge.qr_string != request.qris_payload:
        request.qris_payload = charge.qr_string
        request.save(update_fields=["qris_payload"])
    return charge


# Charges that can never be paid any more; the bill then gets a new code on request.
DEAD_CHARGE = frozenset({ChargeStatus.EXPIRE, ChargeStatus.CANCEL, ChargeStatus.DENY})


def live_charge(request: PaymentRequest) -> GatewayCharge | None:
    """The request's newest charge (its code is the one to show), or None before any."""
    return GatewayCharge.objects.filter(payment_request=request).order_by("-id").first()


def _lock_request(request: PaymentRequest) -> PaymentRequest:
    return PaymentRequest.objects.select_for_update().select_related("merchant").get(pk=request.pk)


def _cancel_open_charges(request: PaymentRequest) -> None:
    order_ids = list(
        GatewayCharge.objects.filter(
            payment_request=request, status__in=[ChargeStatus.CREATED, ChargeStatus.PENDING]
        ).values_list("order_id", flat=True)
    )
    for order_id in order_ids:
        _cancel_at_gateway_later(order_id)


def _cancel_at_gateway_later(order_id: str) -> None:
    from apps.core.tasks import enqueue_on_commit

    from ..tasks import cancel_at_gateway

    enqueue_on_commit(cancel_at_gateway, order_id)


@transaction.atomic
def pay_request_with_wallet(
    request: PaymentRequest, payer: User, *, idempotency_key: str, actor: User | None = None
) -> JournalEntry:
    """Pay a bill from the payer's wallet; the request becomes paid in the same transaction."""
    key = clean_key(idempotency_key)
    request = _lock_request(request)
    if request.status == PaymentRequest.Status.PAID:
        if request.paid_entry is not None and request.paid_entry.idempotency_key == key:
            return request.paid_entry
        raise Conflict(_("Tagihan ini sudah lunas."), code="already_paid")
    if request.status == PaymentRequest.Status.CANCELLED:
        raise Conflict(_("Tagihan ini sudah dibatalkan."), code="cancelled")
    wallet = ensure_wallet(payer)
    entry = pay(
        wallet,
        request.merchant,
        request.amount,
        fee_for_payee(request.merchant, request.amount),
        _request_reference(request),
        key,
        description=request.description or str(_("Tagihan %(bill)s") % {"bill": request.bill_number}),
        actor=actor or payer,
    )
    _mark_paid(request, entry, method="wallet", payer=payer)
    _cancel_open_charges(request)
    return entry


@transaction.atomic
def choose_cash_on_delivery(request: PaymentRequest, *, actor: User | None = None) -> PaymentRequest:
    request = _lock_request(request)
    if request.status == PaymentRequest.Status.AWAITING_CASH:
        return request
    if request.status != PaymentRequest.Status.OPEN:
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    request.status = PaymentRequest.Status.AWAITING_CASH
    request.save(update_fields=["status"])
    _cancel_open_charges(request)
    return request


@transaction.atomic
def confirm_cash_received(request: PaymentRequest, *, actor: User) -> PaymentRequest:
    """The merchant got the cash; no ledger movement (cash never entered KotaKitaPay)."""
    request = _lock_request(request)
    if request.merchant.owner_id != actor.pk and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik usaha yang bisa mengonfirmasi."))
    if request.status == PaymentRequest.Status.PAID and request.paid_method == "cod":
        return request
    if request.status not in (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH):
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    _mark_paid(request, None, method="cod", payer=None)
    _cancel_open_charges(request)
    return request


@transaction.atomic
def claim_treasury_request(request: PaymentRequest, payer: User) -> PaymentRequest:
    """Address a kas daerah bill nobody was found for to `payer` (they showed they hold the paper
    bill: the caller checked its claim code). Idempotent for the same payer; a bill already
    addressed to someone else, or no longer open, is a conflict."""
    request = _lock_request(request)
    _require(request.merchant, (AccountKind.TREASURY_CLEARING,), _("Hanya tagihan retribusi/pajak daerah."))
    if request.payer_id == payer.pk:
        return request
    if request.payer_id is not None:
        raise Conflict(_("Tagihan ini sudah terhubung ke akun lain."), code="claimed")
    if request.status not in (PaymentRequest.Status.OPEN, PaymentRequest.Status.AWAITING_CASH):
        raise Conflict(_("Tagihan ini sudah %(status)s.") % {"status": request.get_status_display()}, code="not_open")
    request.payer = payer
    request.save(update_fields=["payer"])
    return request


@transaction.atomic
def record_treasury_cash(request: PaymentRequest) -> PaymentRequest:
    """A levy bill paid in cash at the kota's counter (recorded there by its finance office, in
    the kota schema): the payer's copy becomes paid without a ledger movement, since the cash
    never entered KotaKitaPay. Only for kas daerah bills; idempotent."""
    request = _lock_request(request)
    _require(request.merchant, (AccountKind.TREASURY_CLEARING,), _("Hanya tagihan retribusi/pajak daerah."))
    if request.status == PaymentRequest.Status.PAID:
        return request
    if request.status == PaymentRequest.Status.CANCELLED:
        raise Conflict(_("Tagihan ini sudah dibatalkan."), code="cancelled")
    _mark_paid(request, None, method="cash", payer=None)
    _cancel_open_charges(request)
    return request


@transaction.atomic
def cancel_treasury_request(request: PaymentRequest, *, reason: str = "") -> PaymentRequest:
    """Withdraw the payer's copy of a levy bill (the kota cancelled or re-priced the bill, or
    left KotaKita: `reason`, shown to the payer). Idempotent; a paid copy is never cancelled."""
    request = _lock_request(request)
    _require(request.merchant, (AccountKind.TREASURY_CLEARING,), _("Hanya tagihan retribusi/pajak daerah."))
    if request.status == PaymentRequest.Status.CANCELLED:
        return request
    if request.status == PaymentRequest.Status.PAID:
        raise Conflict(_("Tagihan ini sudah lunas."), code="already_paid")
    request.status = PaymentRequest.Status.CANCELLED
    request.cancel_reason = reason.strip()[:255]  # built by apps.levies (withdrawal_reason), never typed
    request.save(update_fields=["status", "cancel_reason"])
    _cancel_open_charges(request)
    return request


@transaction.atomic
def cancel_payment_request(request: PaymentRequest, *, actor: User) -> PaymentRequest:
    request = _lock_request(request)
    if request.merchant.owner_id != actor.pk and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik usaha yang bisa membatalkan tagihan."))
    if request.status == PaymentRequest.Status.CANCELLED:
        return request
    if request.status == PaymentRequest.Status.PAID:
        raise Conflict(_("Tagihan yang sudah lunas tidak bisa dibatalkan; kembalikan dananya."), code="already_paid")
    request.status = PaymentRequest.Status.CANCELLED
    request.save(update_fields=["status"])
    _cancel_open_charges(request)
    return request


@transaction.atomic
def refund_payment_request(
    request: PaymentRequest, amount: int, *, idempotency_key: str, reason: str = "", actor: User
) -> JournalEntry:
    request = _lock_request(request)
    if request.merchant.owner_id != actor.pk and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik usaha yang bisa mengembalikan dana."))
    if request.status != PaymentRequest.Status.PAID or request.paid_entry is None:
        raise Conflict(_("Hanya tagihan lunas lewat KotaKitaPay yang bisa dikembalikan."), code="not_refundable")
    return refund(request.paid_entry, amount, idempotency_key=idempotency_key, reason=reason, actor=actor)
