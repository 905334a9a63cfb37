"""A restored tenant gets its status history and invoices back (apps.tenancy.events;
registered in ready())."""

from __future__ import annotations

from apps.tenancy.events import Restoring

from .models import Invoice, InvoiceLine, TenantStatusEvent
from .services import record_status


def restore_public_rows(restoring: Restoring) -> None:
    tenant = restoring.tenant
    # Saving the tenant recorded its status; the archived history replaces that, then the
    # current status is appended again if it differs from the last archived one.
    TenantStatusEvent.objects.filter(tenant=tenant).delete()
    events = restoring.objects("billing.tenantstatusevent")
    for event in events:
        event.pk, event.tenant = None, tenant
    TenantStatusEvent.objects.bulk_create(events)
    record_status(tenant)
    if not restoring.renamed:
        _relink_invoices(restoring)


def _relink_invoices(restoring: Restoring) -> None:
    """Invoices outlive a removed tenant (their FK is SET_NULL): relink the ones still there,
    bring back the ones that are gone. Under `--as` they stay with their own region (they are
    billing records of the original one)."""
    tenant = restoring.tenant
    new_pk: dict[int, int] = {}
    for invoice in restoring.objects("billing.invoice"):
        existing = Invoice.objects.filter(pk=invoice.pk).first()
        if existing is not None:
            if existing.tenant_id is None:
                Invoice.objects.filter(pk=existing.pk).update(tenant=tenant)
            continue
        old = invoice.pk
        invoice.pk, invoice.tenant = None, tenant
        if invoice.replaces_id is not None:
            invoice.replaces_id = new_pk.get(invoice.replaces_id, invoice.replaces_id)
            if not Invoice.objects.filter(pk=invoice.replaces_id).exists():
                invoice.replaces = None
        invoice.save()
        new_pk[old] = invoice.pk
    lines = [line for line in restoring.objects("billing.invoiceline") if line.invoice_id in new_pk]
    for line in lines:
        line.pk, line.invoice_id = None, new_pk[line.invoice_id]
    InvoiceLine.objects.bulk_create(lines)
