"""Typed payment events: what other apps may react to, keyed by the kind of a reference.

A `PaymentRequest` (a bill) and a top-up `GatewayCharge` (money into an app's account by QRIS)
carry a free `reference`; an app that opens them for its own objects writes it as
``"<kind>:<key>"`` (the marketplace's bills: ``"order:<order uuid>"``; community's top-ups:
``"iuran:<payment uuid>"``, ``"arisan:<contribution uuid>"``) and registers, in its
AppConfig.ready(), the handler of that kind:

    from apps.payments import events
    events.on_settled("order", handlers.order_payment_settled)

`apps.payments.services` dispatches after the transaction that marked the bill paid (or
refunded it), or posted the settlement of the top-up charge, commits, so a handler never sees
a payment that is rolled back and may enqueue work directly. One handler per kind and event:
registering a second one for the same kind is a programming error (it would be silently
ambiguous which one owns the money).

A bill or top-up settled with a kind nobody handles is logged as an error (money arrived for
something no app will deliver); one without a kind (a merchant's plain QRIS bill, a wallet's own
top-up) is not an event. Top-up refunds are not dispatched (`on_refunded` is for bills).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PaymentSettled:
    request_id: int | None  # the bill; None for a top-up charge
    charge_id: int | None  # the gateway charge that paid (QRIS); None for wallet and cash
    bill_number: str  # the bill's, or the top-up charge's order id
    kind: str
    key: str
    amount: int
    method: str  # "wallet", "qris" or "cod"
    paid_at: datetime.datetime


@dataclass(frozen=True)
class PaymentRefunded:
    request_id: int
    bill_number: str
    kind: str
    key: str
    amount: int  # this refund, not the total refunded so far


SettledHandler = Callable[[PaymentSettled], None]
RefundedHandler = Callable[[PaymentRefunded], None]

_settled: dict[str, SettledHandler] = {}
_refunded: dict[str, RefundedHandler] = {}


def split_reference(reference: str) -> tuple[str, str]:
    """("order", "<uuid>") for "order:<uuid>"; ("", "") for a reference without a kind."""
    kind, sep, key = reference.partition(":")
    if not sep or not kind or not key:
        return "", ""
    return kind, key


def _register(table: dict[str, Callable[..., None]], kind: str, handler: Callable[..., None]) -> None:
    if not kind or ":" in kind:
        raise ValueError(f"invalid payment reference kind {kind!r}")
    current = table.get(kind)
    if current is not None and current is not handler:
        raise ValueError(f"payment reference kind {kind!r} already has a handler: {current!r}")
    table[kind] = handler


def on_settled(kind: str, handler: SettledHandler) -> None:
    _register(_settled, kind, handler)


def on_refunded(kind: str, handler: RefundedHandler) -> None:
    _register(_refunded, kind, handler)


def settled_kinds() -> frozenset[str]:
    return frozenset(_settled)


def unregister(kind: str) -> None:
    """Tests only: forget both handlers of `kind`."""
    _settled.pop(kind, None)
    _refunded.pop(kind, None)


def dispatch_settled(event: PaymentSettled) -> None:
    """Called by the payments service inside the paying transaction: the handler runs on commit."""
    if not event.kind:
        return
    handler = _settled.get(event.kind)
    if handler is None:
        logger.error("payment %s settled with reference kind %r that no app handles", event.bill_number, event.kind)
        return
    transaction.on_commit(lambda: handler(event))


def dispatch_refunded(event: PaymentRefunded) -> None:
    if not event.kind:
        return
    handler = _refunded.get(event.kind)
    if handler is None:  # refunds are started by the merchant; nothing else has to move
        logger.info("payment request %s refunded; no handler for kind %r", event.bill_number, event.kind)
        return
    transaction.on_commit(lambda: handler(event))
