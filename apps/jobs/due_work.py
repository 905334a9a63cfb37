"""Repair of the due-work index (apps.tenancy.due_work) in one tenant.

A hint is written after its transaction commits; a process killed in between loses it. Once an
hour `jobs.repair_tenant` (queued in every tenant, a twelfth of them every 5 minutes) asks each
sweep's own next-time function what its tables say and lowers the stored time where it is later
or missing. It only lowers, so it never hides work a hint announced; a time too early costs one
empty sweep. The daily `tenancy.mark_all_due` stays the net behind this one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from apps.community import services as community
from apps.factoring import services as factoring
from apps.fulfillment import services as fulfillment
from apps.invoicing import services as invoicing
from apps.levies import services as levies
from apps.marketplace import services as marketplace
from apps.notifications import services as notifications
from apps.reports import services as reports
from apps.sembako import services as sembako
from apps.tenancy import due_work

from . import stale

# Kind → the next-time function its sweep uses at the end of every run.
NEXT_DUE: dict[due_work.Kind, Callable[[], datetime | None]] = {
    due_work.Kind.NOTIFICATIONS: notifications.next_sweep_at,
    due_work.Kind.MARKETPLACE: marketplace.next_sweep_at,
    due_work.Kind.REPORTS_SLA: reports.next_due,
    due_work.Kind.COMMUNITY_QRIS: community.next_qris_poll,
    due_work.Kind.FULFILLMENT: fulfillment.next_due,
    due_work.Kind.STALE_JOBS: stale.next_check_at,
    due_work.Kind.INVOICES: invoicing.next_due,
    due_work.Kind.SEMBAKO: sembako.next_due,
    due_work.Kind.FACTORING: factoring.next_due,
}
# Kinds whose tables exist only in one tenant type (kota-only apps): repaired only there.
NEXT_DUE_IN_KOTA: dict[due_work.Kind, Callable[[], datetime | None]] = {
    due_work.Kind.LEVIES: levies.next_sweep_at,
}


def repair_due_work() -> dict[str, str]:
    """Lower this tenant's stored times to what its tables say; returns the kinds with work."""
    found: dict[str, str] = {}
    kinds = dict(NEXT_DUE)
    if levies.in_kota():
        kinds.update(NEXT_DUE_IN_KOTA)
    for kind, next_due in kinds.items():
        at = next_due()
        if at is not None:
            due_work.schedule_due(kind, at)
            found[str(kind)] = at.isoformat()
    return found
