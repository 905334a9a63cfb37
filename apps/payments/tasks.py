"""Celery entry points of KotaKitaPay (tenant-aware: each runs in the schema it was queued in)."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request

from celery import shared_task
from django.conf import settings

from apps.core.db import connection
from apps.core.errors import DomainError
from apps.sandbox import selectors as sandbox_rows
from apps.sandbox.models import SandboxTransaction

from . import services
from .gateways import NOTIFICATION_PATH, GatewayError, SandboxGateway, get_gateway, notification_body
from .models import GatewayCharge

logger = logging.getLogger(__name__)


@shared_task(name="payments.reconcile", ignore_result=False)
def reconcile(triggered_by: str = "beat") -> dict[str, int | str]:
    """Reconcile the current tenant's ledger (see apps.payments.reconciliation)."""
    from .reconciliation import reconcile as run

    result = run(triggered_by=triggered_by)
    return {"run": result.pk, "status": str(result.status), "mismatches": result.mismatch_count}


@shared_task(name="payments.reconcile_all_tenants", ignore_result=True)
def reconcile_all_tenants() -> int:
    """Beat entry point (public schema): queue `reconcile` in every active tenant."""
    from apps.tenancy.models import Tenant

    count = 0
    for tenant in Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC).filter(status=Tenant.Status.ACTIVE):
        with tenant:
            reconcile.delay("beat")
        count += 1
    return count


@shared_task(
    name="payments.deliver_sandbox_notification",
    ignore_result=True,
    autoretry_for=(GatewayError, OSError),
    max_retries=8,
    retry_backoff=True,
)
def deliver_sandbox_notification(order_id: str) -> None:
    """The sandbox gateway notifies us, signed like Midtrans: in-process, or over HTTP."""
    tx = sandbox_rows.transaction_for(order_id)
    if tx is None:
        raise SandboxTransaction.DoesNotExist(order_id)
    gateway = get_gateway("sandbox")
    assert isinstance(gateway, SandboxGateway)
    code = "201" if tx.status == "pending" else "200"
    body = notification_body(tx, code, gateway.server_key)
    if getattr(settings, "PAYMENTS_SANDBOX_NOTIFY_HTTP", False):
        url = connection.tenant.url(NOTIFICATION_PATH)
        request = urllib.request.Request(  # noqa: S310 - our own site
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=15):  # noqa: S310
                return
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise
            logger.warning("sandbox notification %s refused: HTTP %s", order_id, exc.code)
            return
    try:
        services.receive_notification(body, remote_addr="127.0.0.1")
    except GatewayError:
        raise  # retried
    except DomainError as exc:  # rejected and logged by the endpoint's handler
        logger.warning("sandbox notification %s refused: %s", order_id, exc.message)


@shared_task(name="payments.cancel_at_gateway", ignore_result=True, autoretry_for=(GatewayError,), max_retries=5)
def cancel_at_gateway(order_id: str) -> None:
    """A request was paid another way or cancelled: cancel its open QRIS charge, then sync."""
    charge = GatewayCharge.objects.filter(order_id=order_id).first()
    if charge is None:
        return
    get_gateway(charge.gateway).cancel(order_id)
    try:
        services.sync_charge_status(charge)
    except DomainError as exc:
        logger.warning("charge %s: status sync after cancel failed: %s", order_id, exc.message)


@shared_task(name="payments.refund_at_gateway", ignore_result=True, autoretry_for=(GatewayError,), max_retries=8)
def refund_at_gateway(order_id: str, amount: int, refund_key: str, reason: str) -> None:
    """Ask the gateway to return money we already refunded in the ledger, then take over its
    status (partial_refund/refund) so reconciliation agrees; already booked, so no new entry."""
    charge = GatewayCharge.objects.filter(order_id=order_id).first()
    if charge is None:
        return
    get_gateway(charge.gateway).refund(order_id, amount, refund_key=refund_key, reason=reason or "refund")
    try:
        services.sync_charge_status(charge)
    except DomainError as exc:
        logger.warning("charge %s: status sync after refund failed: %s", order_id, exc.message)
