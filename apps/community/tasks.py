"""Celery entry points of apps.community (tenant-aware; each runs in the schema it was queued in).

Beat (config/settings/base.py): `community.send_reminders_everywhere` daily in every tenant and
`community.sync_qris_everywhere` every minute, only in tenants with a QRIS charge waiting (the
due-work index; the safety net behind the settlement events that queue `sync_iuran_payment` /
`sync_contribution`, see `receivers`).
"""

from __future__ import annotations

from celery import shared_task

from apps.tenancy import due_work
from apps.tenancy.fanout import enqueue_in_every_tenant, enqueue_where_due

from . import services
from .models import ArisanContribution, IuranPayment


@shared_task(name="community.send_reminders", ignore_result=True)
def send_reminders() -> dict[str, int]:
    """In this tenant: settle QRIS payments, remind unpaid iuran (once per member per month),
    remind missed arisan shares (once per round and member), pay out complete due rounds."""
    synced = services.sync_pending_qris()
    iuran = services.send_iuran_reminders()
    arisan = services.send_arisan_reminders()
    return {"synced": synced, "iuran": iuran, "arisan": arisan}


@shared_task(name="community.send_reminders_everywhere", ignore_result=True)
def send_reminders_everywhere() -> int:
    """Beat entry point (public schema): queue `send_reminders` in every active tenant."""
    return enqueue_in_every_tenant(send_reminders)


@shared_task(name="community.sync_qris", ignore_result=True)
def sync_qris() -> int:
    """In this tenant: apply settled/expired QRIS charges to pending iuran and arisan shares;
    poll again later while some still wait."""
    due_work.begin(due_work.Kind.COMMUNITY_QRIS)
    changed = services.sync_pending_qris()
    due_work.reschedule(due_work.Kind.COMMUNITY_QRIS, services.next_qris_poll())
    return changed


@shared_task(name="community.sync_iuran_payment", ignore_result=True)
def sync_iuran_payment(payment_id: int) -> None:
    """The gateway settled this iuran's QRIS charge (queued by `receivers`)."""
    services.sync_iuran_payment(IuranPayment.objects.get(pk=payment_id))


@shared_task(name="community.sync_contribution", ignore_result=True)
def sync_contribution(contribution_id: int) -> None:
    """The gateway settled this arisan share's QRIS charge (queued by `receivers`)."""
    services.sync_contribution(ArisanContribution.objects.get(pk=contribution_id))


@shared_task(name="community.sync_qris_everywhere", ignore_result=True)
def sync_qris_everywhere() -> int:
    """Beat (every minute): poll QRIS charges in the tenants where one waits."""
    return enqueue_where_due(sync_qris, due_work.Kind.COMMUNITY_QRIS)
