"""Handlers of apps.payments' events: they only queue work; the work itself is in services.

Registered in CommunityConfig.ready(): a QRIS iuran or arisan share is a gateway top-up charge
with the reference "iuran:<payment uuid>" or "arisan:<contribution uuid>" (`services`), so
apps.payments calls these after the transaction that posted its settlement commits, and the
queued task applies it at once with the same idempotent sync the poll uses.

Polling (`community.sync_qris_everywhere`) stays as the safety net: it still finds a settlement
whose webhook was lost or whose task could not be queued (broker outage), and expired or
cancelled charges, which are no events.
"""

from __future__ import annotations

from apps.payments.events import PaymentSettled

IURAN_REFERENCE_KIND = "iuran"
ARISAN_REFERENCE_KIND = "arisan"


def iuran_payment_settled(event: PaymentSettled) -> None:
    from apps.core.tasks import publish

    from .models import IuranPayment
    from .tasks import sync_iuran_payment

    payment_id = IuranPayment.objects.filter(public_id=event.key).values_list("pk", flat=True).first()
    if payment_id is not None:
        publish(sync_iuran_payment, payment_id)


def arisan_contribution_settled(event: PaymentSettled) -> None:
    from apps.core.tasks import publish

    from .models import ArisanContribution
    from .tasks import sync_contribution

    contribution_id = ArisanContribution.objects.filter(public_id=event.key).values_list("pk", flat=True).first()
    if contribution_id is not None:
        publish(sync_contribution, contribution_id)
