"""Payment events of apps.levies (registered in LeviesConfig.ready)."""

from __future__ import annotations

from apps.payments.events import PaymentSettled

from . import payer


def levy_settled(event: PaymentSettled) -> None:
    """A payer's copy (reference ``levy:<number>``) was paid in this kelurahan, after commit.
    Cash recorded at the kota's counter comes back here too; the route is already paid then."""
    payer.mark_route_paid(event.key, amount=event.amount, method=event.method, paid_at=event.paid_at)
