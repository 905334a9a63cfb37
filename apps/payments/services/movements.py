"""Money movements: top-up, pay, transfer, move, payout, refund and reversal."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import ValidationFailed

from .. import events
from ..models import (
    MOVE_RULES,
    Account,
    AccountKind,
    EntryKind,
    GatewayCharge,
    JournalEntry,
    PaymentRequest,
    Posting,
)
from ._common import TOP_UP_KINDS, _kind_label, _require, clean_amount, clean_key
from ._ledger import _fingerprint, _lock, _payment, _post, _replay, _reverse, _reversed_so_far
from .accounts import gateway_clearing_account


@transaction.atomic
def top_up(
    account: Account,
    amount: int,
    *,
    reference: str,
    idempotency_key: str,
    description: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """Money that arrived through the gateway (after its settled notification) into a wallet."""
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(account, TOP_UP_KINDS, _("Isi saldo hanya ke dompet, kas RT atau dana arisan."))
    clearing = gateway_clearing_account()
    fingerprint = _fingerprint("top_up", account=account.public_id, amount=amount, reference=reference)
    locked = _lock([account, clearing])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.TOP_UP,
        [(clearing, -amount), (account, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description or str(_("Isi saldo")),
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def pay(
    payer: Account,
    merchant_account: Account,
    amount: int,
    fee: int,
    reference: str,
    idempotency_key: str,
    *,
    description: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """The payment the marketplace calls: `amount` leaves the payer's wallet, the merchant's
    settlement account gets `amount - fee` and platform fee revenue gets `fee`."""
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(payer, (AccountKind.WALLET,), _("Pembayaran hanya dari dompet."))
    return _payment(payer, merchant_account, amount, fee, reference, key, description=description, actor=actor)


@transaction.atomic
def transfer(
    source: Account,
    target: Account,
    amount: int,
    *,
    idempotency_key: str,
    description: str = "",
    actor: User | None = None,
) -> JournalEntry:
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(source, (AccountKind.WALLET,), _("Transfer hanya dari dompet."))
    _require(target, (AccountKind.WALLET,), _("Transfer hanya ke dompet."))
    if source.pk == target.pk:
        raise ValidationFailed(_("Tidak bisa transfer ke dompet sendiri."), code="same_account")
    fingerprint = _fingerprint("transfer", source=source.public_id, target=target.public_id, amount=amount)
    locked = _lock([source, target])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.TRANSFER,
        [(source, -amount), (target, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description or str(_("Transfer ke %(name)s") % {"name": target.owner or target.name}),
        actor=actor,
    )


@transaction.atomic
def move(
    source: Account,
    destination: Account,
    amount: int,
    *,
    idempotency_key: str,
    reference: str,
    memo: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """An internal movement: `amount` from `source` to `destination`, one TRANSFER entry.

    Only between the kinds paired in `models.MOVE_RULES` (wallet <-> rt_cash, wallet <->
    arisan_pool, rt_cash <-> cash_clearing, ...); any other pair raises `ValidationFailed`
    (422, code "move_not_allowed"). Idempotent on the key: the same key with the same source,
    destination, amount and reference returns the entry posted before; with any of them
    changed it raises `Conflict` (409). `memo` is the entry's description (not part of the
    fingerprint). A source that may not go negative and lacks the money raises `Conflict`
    ("insufficient_funds"); a frozen account raises `Conflict` ("account_frozen").
    """
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    if source.pk == destination.pk:
        raise ValidationFailed(_("Akun asal dan tujuan sama."), code="same_account")
    fingerprint = _fingerprint(
        "move", source=source.public_id, destination=destination.public_id, amount=amount, reference=reference
    )
    locked = _lock([source, destination])
    kinds = (locked[source.pk].kind, locked[destination.pk].kind)  # as stored, under the lock
    if kinds not in MOVE_RULES:
        raise ValidationFailed(
            _("Pemindahan dana dari %(source)s ke %(destination)s tidak diizinkan.")
            % {"source": _kind_label(kinds[0]), "destination": _kind_label(kinds[1])},
            code="move_not_allowed",
            source=str(source.public_id),
            destination=str(destination.public_id),
        )
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.TRANSFER,
        [(source, -amount), (destination, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=memo or str(_("Transfer ke %(name)s") % {"name": destination.owner or destination.name}),
        reference=reference,
        actor=actor,
    )


@transaction.atomic
def payout(
    merchant_account: Account,
    amount: int,
    *,
    idempotency_key: str,
    destination: str = "",
    actor: User | None = None,
) -> JournalEntry:
    """Settlement money leaves to the merchant's bank through the gateway."""
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    _require(merchant_account, (AccountKind.MERCHANT,), _("Penarikan hanya dari rekening penjualan."))
    clearing = gateway_clearing_account()
    fingerprint = _fingerprint("payout", merchant=merchant_account.public_id, amount=amount, destination=destination)
    locked = _lock([merchant_account, clearing])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.PAYOUT,
        [(merchant_account, -amount), (clearing, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=str(_("Penarikan ke %(dest)s") % {"dest": destination or _("rekening bank")}),
        reference=destination,
        actor=actor,
    )


def treasury_settlement_reference(day: datetime.date) -> str:
    return f"kasda:{day.isoformat()}"


def treasury_day_total(account: Account, day: datetime.date) -> int:
    """What `account` (a kas daerah clearing account) collected on `day` (Asia/Jakarta): every
    posting that day except its payouts, so refunds count against the day they happen."""
    start = timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
    end = start + datetime.timedelta(days=1)
    total = (
        Posting.objects.filter(account=account, created_at__gte=start, created_at__lt=end)
        .exclude(entry__kind=EntryKind.PAYOUT)
        .aggregate(total=Sum("amount"))["total"]
    )
    return int(total or 0)


@transaction.atomic
def treasury_payout(account: Account, day: datetime.date, *, destination: str = "") -> JournalEntry | None:
    """The daily settlement of one kas daerah clearing account: what it collected on `day` leaves
    to the kas daerah bank account (through the gateway clearing, like a shop's payout).

    Idempotent per account and day (the key is both): run again, even after later payments,
    it returns the entry posted before; days are disjoint, so a late run never pays twice.
    Nothing collected (or refunds only): no entry, None."""
    _require(account, (AccountKind.TREASURY_CLEARING,), _("Setoran hanya dari kliring kas daerah."))
    clearing = gateway_clearing_account()
    locked = _lock([account, clearing])
    amount = treasury_day_total(locked[account.pk], day)
    key = clean_key(f"kasda:{account.code}:{day.isoformat()}")
    reference = treasury_settlement_reference(day)
    fingerprint = _fingerprint("treasury_payout", account=account.public_id, day=day.isoformat())
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    if amount <= 0:
        return None
    amount = min(amount, locked[account.pk].balance)  # never below zero (a refund already paid out)
    if amount <= 0:
        return None
    return _post(
        EntryKind.PAYOUT,
        [(account, -amount), (clearing, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=str(
            _("Setoran ke kas daerah %(dest)s, penerimaan %(day)s")
            % {"dest": destination or account.name, "day": day.isoformat()}
        ),
        reference=reference,
    )


@transaction.atomic
def refund(
    payment: JournalEntry,
    amount: int,
    *,
    idempotency_key: str,
    reason: str = "",
    actor: User | None = None,
    at_gateway: bool = True,
) -> JournalEntry:
    """Give back part or all of a payment (up to what is left): the reverse postings, pro rata.

    When the payment settled a payment request or a gateway charge, their refunded amounts
    follow; a payment that came through the gateway is also refunded there, after commit
    (`at_gateway=False` when the gateway itself told us about the refund).
    """
    amount = clean_amount(amount)
    key = clean_key(idempotency_key)
    if payment.kind != EntryKind.PAYMENT:
        raise ValidationFailed(_("Hanya pembayaran yang bisa dikembalikan."), code="not_a_payment")
    # Lock order: request, charge, entry, accounts.
    request = PaymentRequest.objects.select_for_update().filter(paid_entry=payment).first()
    charge = GatewayCharge.objects.select_for_update().filter(settlement_entry=payment).first()
    description = str(_("Pengembalian dana")) + (f": {reason}" if reason else "")
    entry = _reverse(
        payment, amount, kind=EntryKind.REFUND, key=key, operation="refund", description=description, actor=actor
    )
    refunded = _reversed_so_far(payment)
    if request is not None and request.refunded_amount != refunded:
        PaymentRequest.objects.filter(pk=request.pk).update(refunded_amount=refunded)
        kind, ref_key = events.split_reference(request.reference)
        events.dispatch_refunded(
            events.PaymentRefunded(
                request_id=request.pk, bill_number=request.bill_number, kind=kind, key=ref_key, amount=entry.amount
            )
        )
    if charge is not None and charge.refunded_amount < refunded:
        GatewayCharge.objects.filter(pk=charge.pk).update(refunded_amount=refunded)
        if at_gateway:
            _refund_at_gateway_later(charge.order_id, refunded - charge.refunded_amount, entry.idempotency_key, reason)
    return entry


def _refund_at_gateway_later(order_id: str, amount: int, refund_key: str, reason: str) -> None:
    from apps.core.tasks import enqueue_on_commit

    from ..tasks import refund_at_gateway

    enqueue_on_commit(refund_at_gateway, order_id, amount, refund_key, reason)


@transaction.atomic
def reverse_entry(
    entry: JournalEntry, *, idempotency_key: str, reason: str = "", actor: User | None = None
) -> JournalEntry:
    """Correct a mistaken entry: post the reverse of whatever of it is not reversed yet."""
    key = clean_key(idempotency_key)
    if entry.reverses_id is not None:
        raise ValidationFailed(_("Jurnal balik tidak bisa dibalik lagi."), code="already_reversal")
    description = str(_("Koreksi")) + (f": {reason}" if reason else "")
    return _reverse(
        entry, None, kind=EntryKind.REVERSAL, key=key, operation="reverse", description=description, actor=actor
    )
