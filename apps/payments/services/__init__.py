"""KotaKitaPay writes: every money movement is one call, one transaction, one idempotency key.

Ledger services (all return the `JournalEntry` they posted, or the one posted before under the
same idempotency key):

    top_up(account, amount, *, reference, idempotency_key)             gateway clearing -> wallet
    pay(payer, merchant_account, amount, fee, reference, idempotency_key)
                                                wallet -> merchant settlement (+ platform fee)
    transfer(source, target, amount, *, idempotency_key)               wallet -> wallet
    move(source, destination, amount, *, idempotency_key, reference)
                        internal movement between ledger accounts of the kinds in MOVE_RULES
                        (wallet <-> rt_cash, wallet <-> arisan_pool, rt_cash <-> cash_clearing)
    refund(payment, amount, *, idempotency_key)    partial/full reversal of a payment, pro rata
    payout(merchant_account, amount, *, idempotency_key)               merchant -> gateway clearing
    reverse_entry(entry, *, idempotency_key)       correction: the rest of an entry, reversed

Rules every one of them keeps:

* Idempotency: the same key returns the same entry and moves nothing again; the same key with
  other money parameters (accounts, amounts, fee, reference) raises `Conflict` (409).
* Accounts are locked (`SELECT ... FOR UPDATE`) in ascending id order, always after any
  payment request / gateway charge / entry row the call locks (order: request, charge, entry,
  accounts), so concurrent movements cannot deadlock. The idempotency key is looked up after
  the locks, so a retry racing its original sees it.
* A wallet (or any account with allow_negative = false) never goes below zero: checked under
  the locks here, and again by the database (CHECK constraint on the balance the database keeps).
* Postings of an entry sum to zero: checked in Python before writing, by a query on the entry
  as written (`check_balanced_now`, so a fault surfaces inside the call, on Citus too), and by
  a deferred constraint trigger at commit.
* Nothing is ever edited: a correction is a reversing entry.

Amounts are integer rupiah; bad input raises `ValidationFailed` (422), a state that forbids the
move (overdraft, over-refund, paid request, reused key) raises `Conflict` (409).
"""

from __future__ import annotations

from apps.core.money import rupiah  # re-exported for the community and lending services until they import it

from ._common import (
    DEFAULT_MAX_AMOUNT,
    SYSTEM_KINDS,
    TOP_UP_KINDS,
    clean_amount,
    clean_key,
    fee_for,
    fee_for_payee,
    new_order_id,
    tenant_city,
)
from ._ledger import check_balanced_now
from .accounts import (
    ensure_wallet,
    gateway_clearing_account,
    merchant_profile,
    open_account,
    open_merchant_account,
    platform_fee_account,
    system_account,
    treasury_account,
)
from .movements import (
    move,
    pay,
    payout,
    refund,
    reverse_entry,
    top_up,
    transfer,
    treasury_day_total,
    treasury_payout,
    treasury_settlement_reference,
)
from .notifications import (
    ALLOWED_MOVES,
    PAID_STATUSES,
    REFUND_STATUSES,
    REQUIRED_NOTIFICATION_FIELDS,
    ForgedNotification,
    NotificationOutcome,
    must_confirm,
    receive_notification,
    start_top_up,
    sync_charge_status,
)
from .requests import (
    DEAD_CHARGE,
    cancel_payment_request,
    cancel_treasury_request,
    choose_cash_on_delivery,
    claim_treasury_request,
    confirm_cash_received,
    create_payment_request,
    ensure_request_charge,
    live_charge,
    pay_request_with_wallet,
    record_treasury_cash,
    refund_payment_request,
)
from .sandbox import sandbox_code_of, sandbox_expire, sandbox_gateway, sandbox_pay, sandbox_payment_for

__all__ = [
    "ALLOWED_MOVES",
    "DEAD_CHARGE",
    "DEFAULT_MAX_AMOUNT",
    "PAID_STATUSES",
    "REFUND_STATUSES",
    "REQUIRED_NOTIFICATION_FIELDS",
    "SYSTEM_KINDS",
    "TOP_UP_KINDS",
    "ForgedNotification",
    "NotificationOutcome",
    "cancel_payment_request",
    "cancel_treasury_request",
    "check_balanced_now",
    "choose_cash_on_delivery",
    "claim_treasury_request",
    "clean_amount",
    "clean_key",
    "confirm_cash_received",
    "create_payment_request",
    "ensure_request_charge",
    "ensure_wallet",
    "fee_for",
    "fee_for_payee",
    "gateway_clearing_account",
    "live_charge",
    "merchant_profile",
    "move",
    "must_confirm",
    "new_order_id",
    "open_account",
    "open_merchant_account",
    "pay",
    "pay_request_with_wallet",
    "payout",
    "platform_fee_account",
    "receive_notification",
    "record_treasury_cash",
    "refund",
    "refund_payment_request",
    "reverse_entry",
    "rupiah",
    "sandbox_code_of",
    "sandbox_expire",
    "sandbox_gateway",
    "sandbox_pay",
    "sandbox_payment_for",
    "start_top_up",
    "sync_charge_status",
    "system_account",
    "tenant_city",
    "top_up",
    "transfer",
    "treasury_account",
    "treasury_day_total",
    "treasury_payout",
    "treasury_settlement_reference",
]
