"""Celery entry points of apps.levies. Each runs in the schema it was queued in: the payer-copy
and reminder tasks in a kelurahan schema, the register and sweep tasks in a kota schema.

Cross-schema hand-offs queue by tenant id (`apps.tenancy.fanout.enqueue_in_tenant`, with
`include_inactive`: the records of two schemas must stay in step even while one of them is
suspended or being archived; a removed tenant gets nothing): the kota's issue queues
`open_payer_copy` in the payer's kelurahan, the kelurahan's settlement queues `mark_bill_paid`
in the kota. All of them are idempotent (re-running changes nothing), so a retry or a task the
repair queued twice is harmless.
"""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_where_due
from apps.tenancy.models import Tenant


@shared_task(name="levies.open_payer_copy", ignore_result=True)
def open_payer_copy(number: str, payer_account: str, payer_nik_digest: str = "") -> None:
    """In the payer's kelurahan: make its copy of the bill match the route (open, re-priced,
    cancelled or paid at the counter) and address it to the payer found by account or by the
    digest of their NIK (never the NIK: it is not known here)."""
    from . import payer

    payer.sync_payer_copy(number, payer_account, payer_nik_digest)


@shared_task(name="levies.resync_payer_copies", ignore_result=True)
def resync_payer_copies(kelurahan_id: int | None = None, nik_digest: str = "") -> int:
    """In the kota: queue `open_payer_copy` again for its open bills, those of one kelurahan
    addressed to this NIK digest (a resident recorded their NIK there), or all of them (the
    kota was restored). Idempotent."""
    from . import services

    return services.resync_open_bills(kelurahan_id=kelurahan_id, nik_digest=nik_digest)


@shared_task(name="levies.remind_payer", ignore_result=True)
def remind_payer(number: str, stage: str) -> None:
    """In the payer's kelurahan: remind the payer of an open bill (once per bill and stage)."""
    from . import payer

    payer.remind(number, stage)


@shared_task(name="levies.mark_bill_paid", ignore_result=True)
def mark_bill_paid(number: str, amount: int) -> None:
    """In the kota: the route of this bill was marked paid in the payer's kelurahan."""
    from . import services

    services.do_mark_bill_paid(number, amount)


@shared_task(name="levies.settle_treasury", ignore_result=True)
def settle_treasury(kota_id: int, day: str) -> int:
    """In a kelurahan of the kota: pay out what its kas daerah clearing account collected on
    `day` (ISO date) to the kas daerah. Idempotent per day."""
    import datetime

    from . import payer

    return payer.settle_treasury(kota_id, datetime.date.fromisoformat(day))


@shared_task(name="levies.sweep", ignore_result=True)
def sweep() -> dict[str, int]:
    """In a kota: recurring bills of the month, fines of overdue bills, reminders."""
    from . import recurring

    due_work.begin(due_work.Kind.LEVIES)
    done = recurring.sweep()
    due_work.reschedule(due_work.Kind.LEVIES, recurring.next_sweep_at())
    return done


@shared_task(name="levies.sweep_where_due", ignore_result=True)
def sweep_where_due() -> int:
    """Beat (public schema): queue `sweep` in the kota tenants whose levy work is due."""
    return enqueue_where_due(sweep, due_work.Kind.LEVIES, types=[Tenant.Type.KOTA])
