"""What other apps may hook into on UMKM invoices (registered in their AppConfig.ready()).

Factoring (apps.factoring) builds on invoicing, not the reverse: invoicing announces here and
whoever listens registers a handler under its app label (one per app; re-registering replaces).

- `on_payment_recorded(label, handler)`: a paid bill was added to an invoice. The handler runs
  **inside** the recording transaction, under the invoice's row lock, so money owed to someone
  else out of this payment (a lender that financed the invoice) moves in the same transaction
  the payment is recorded: both happen or neither. A handler that raises rolls the recording
  back (the task retries), so it must only refuse on a real inconsistency.
- `on_cancel(label, check)`: asked under the invoice lock before an invoice is cancelled; the
  check raises a `DomainError` (Conflict) to refuse (a financed invoice is not cancelled).
- `on_notices(label, provider)`: short lines the invoice page and PDF show the buyer and seller
  (e.g. "this invoice was assigned to BPR ..."), plain text.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class PaymentRecorded:
    invoice_id: int
    request_id: int
    amount: int
    paid_at: datetime


PaymentHandler = Callable[[PaymentRecorded], None]
CancelCheck = Callable[[int], None]
NoticeProvider = Callable[[int], list[str]]

_payment: dict[str, PaymentHandler] = {}
_cancel: dict[str, CancelCheck] = {}
_notices: dict[str, NoticeProvider] = {}


def on_payment_recorded(label: str, handler: PaymentHandler) -> None:
    _payment[label] = handler


def on_cancel(label: str, check: CancelCheck) -> None:
    _cancel[label] = check


def on_notices(label: str, provider: NoticeProvider) -> None:
    _notices[label] = provider


def unregister(label: str) -> None:
    """Tests only."""
    _payment.pop(label, None)
    _cancel.pop(label, None)
    _notices.pop(label, None)


def dispatch_payment_recorded(event: PaymentRecorded) -> None:
    """Called by `services.paying._apply_payment` inside its transaction, under the invoice lock."""
    for handler in list(_payment.values()):
        handler(event)


def check_cancel(invoice_id: int) -> None:
    """Called by `services.cancel` under the invoice lock; a check raises to refuse."""
    for check in list(_cancel.values()):
        check(invoice_id)


def notices(invoice_id: int) -> list[str]:
    lines: list[str] = []
    for provider in list(_notices.values()):
        lines.extend(provider(invoice_id))
    return lines
