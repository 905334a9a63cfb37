"""apps.levies across the removal and restore of a kota (hooks of apps.tenancy.events).

A kota's open bills have payer copies in its kelurahan schemas (`payments.PaymentRequest`,
reference ``levy:<number>``, paid into the kelurahan's kas daerah clearing account of that kota).
Removing the kota drops its register and its bill routes: a copy left open could still be paid,
and the money would stay in the clearing account with nothing to settle it against. So:

- removing (the kota is "archiving", before its schema is dropped): every open copy of its bills
  is cancelled in each kelurahan, with the reason shown to the payer (`payer.withdraw_copies`),
  one transaction per kelurahan in that kelurahan's schema;
- removal abandoned (it failed, or a killed removal was released) and restored (from its
  archive, with its register and routes): the kota queues its open bills' copies again
  (`services.resync_open_bills`), which reopens each as a new copy addressed to the same payer.
"""

from __future__ import annotations

import logging

from apps.tenancy.events import Restoring
from apps.tenancy.fanout import enqueue_in_tenant, enqueue_in_tenant_on_commit, switched_to
from apps.tenancy.models import LevyBillRoute, Tenant

from . import payer, tasks

logger = logging.getLogger(__name__)


def kota_removing(tenant: Tenant) -> None:
    if tenant.tenant_type != Tenant.Type.KOTA:
        return
    kelurahan_ids = set(
        LevyBillRoute.objects.filter(kota_id=tenant.pk, status=LevyBillRoute.Status.OPEN).values_list(
            "kelurahan_id", flat=True
        )
    )
    withdrawn = 0
    for kelurahan in Tenant.objects.filter(pk__in=kelurahan_ids).order_by("pk"):
        with switched_to(kelurahan):
            withdrawn += payer.withdraw_copies(tenant)
    if withdrawn:
        logger.info("kota %s removing: %s levy payer copies withdrawn", tenant.schema_name, withdrawn)


# Both hand-offs below reach the kota whatever its status (`include_inactive`): it gets back the
# status it had before the removal or in the archive, suspended as well as active, and its
# withdrawn copies must reopen either way. A kota that is gone gets nothing.


def kota_removal_abandoned(tenant: Tenant) -> None:
    if tenant.tenant_type == Tenant.Type.KOTA:
        enqueue_in_tenant(tenant.pk, tasks.resync_payer_copies, include_inactive=True)


def kota_restored(context: Restoring) -> None:
    """Runs inside the restore's transaction: the copies are queued once it commits (with the
    routes, which tenancy restores after the restorers)."""
    if context.tenant.tenant_type != Tenant.Type.KOTA:
        return
    kota_id = context.tenant.pk
    enqueue_in_tenant_on_commit(kota_id, tasks.resync_payer_copies, include_inactive=True)
