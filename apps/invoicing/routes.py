"""Invoices to an OPD of the seller's kota: the public route (`tenancy.InvoiceRoute`).

The seller's kelurahan cannot read the kota's schema, so the OPDs a seller may address are the
kota's OPDs as this kelurahan knows them: its own `reports.Opd` reference list (kept for report
routing, codes shared with the kota's register). The route carries the OPD's code and name, the
amounts, dates and status, never a person or a line item. It is written in the transaction that
issues the invoice and updated (`sync`) in the transaction of every later change, under the
invoice's row lock; `sync` copies the invoice's state whole, so running it again repairs a route
that missed a change (`manage.py`-free: any later write of the invoice does it too).

The kota reads the routes addressed to it (apps/invoicing/inbox.py); its staff open the invoice on
the seller's host through the route's random token (PDF, QRIS), with no account there.
"""

from __future__ import annotations

import secrets
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from apps.core.db import connection
from apps.core.errors import ValidationFailed
from apps.core.money import rupiah
from apps.reports.models import Opd
from apps.tenancy.fanout import enqueue_in_tenant_on_commit
from apps.tenancy.models import InvoiceRoute, Tenant

from .models import Invoice

TOKEN_LENGTH = 32


def here() -> Tenant | None:
    tenant = getattr(connection, "tenant", None)
    return tenant if isinstance(tenant, Tenant) and tenant.pk is not None else None


def kota_here() -> Tenant | None:
    """The kota of the current kelurahan tenant (its parent), None elsewhere."""
    tenant = here()
    if tenant is None or tenant.tenant_type != Tenant.Type.KELURAHAN or tenant.parent_id is None:
        return None
    parent = tenant.parent
    return parent if parent is not None and parent.tenant_type == Tenant.Type.KOTA else None


def opd_choices() -> list[Opd]:
    """The OPDs a seller here may invoice: the kota's OPDs on this kelurahan's list (none
    without a kota tenant)."""
    if kota_here() is None:
        return []
    return list(Opd.objects.filter(active=True).order_by("name"))


def opd_for(code: Any) -> tuple[Opd, Tenant]:
    """The addressed OPD and its kota, or 422 for an unknown or inactive code."""
    kota = kota_here()
    text = str(code or "").strip()
    opd = Opd.objects.filter(code=text, active=True).first() if text and len(text) <= 32 else None
    if kota is None or opd is None:
        raise ValidationFailed(_("OPD tidak dikenal di kota ini."), code="unknown_opd", field="buyer_opd")
    return opd, kota


def create(invoice: Invoice, opd: Opd, kota: Tenant) -> InvoiceRoute:
    """The route of a just-issued invoice (caller's transaction); the OPD hears of it."""
    tenant = here()
    assert tenant is not None  # an OPD invoice is only issued in a kelurahan tenant (opd_for)
    route = InvoiceRoute.objects.create(
        kelurahan=tenant,
        invoice_id=invoice.pk,
        number=invoice.number,
        kota=kota,
        opd_code=opd.code,
        opd_name=opd.name,
        total=invoice.total,
        amount_paid=invoice.amount_paid,
        issued_on=invoice.issue_date,
        due_on=invoice.due_date,
        status=invoice.status,
        disputed=invoice.disputed,
        paid_at=invoice.paid_at,
        token=secrets.token_hex(TOKEN_LENGTH // 2),
    )
    words = {"number": invoice.number, "shop": invoice.shop.name, "total": rupiah(invoice.total)}
    tell_kota(
        invoice,
        event="invoicing.opd_invoice",
        title=_("Faktur %(number)s dari %(shop)s") % words,
        body=_("Faktur %(number)s sebesar %(total)s untuk OPD Anda. Lihat dan bayar dari Faktur masuk.") % words,
        key=f"invoice-{invoice.pk}-issued",
        route=route,
    )
    return route


def tell_kota(
    invoice: Invoice, *, event: str, title: str, body: str, key: str, route: InvoiceRoute | None = None
) -> bool:
    """Notify the addressed OPD's staff and the finance office in the kota's schema, after commit
    (`tasks.notify_opd`). False when the invoice is not addressed to an OPD."""
    from .tasks import notify_opd  # tasks import services, which import this module

    route = route or route_of(invoice)
    if route is None:
        return False
    enqueue_in_tenant_on_commit(route.kota_id, notify_opd, route.pk, event, str(title), str(body), key)
    return True


def sync(invoice: Invoice) -> int:
    """Copy the invoice's state to its route (caller's transaction, under the invoice lock).
    Idempotent; 0 when the invoice has no route."""
    tenant = here()
    if not invoice.buyer_opd or tenant is None:
        return 0
    return InvoiceRoute.objects.filter(kelurahan=tenant, invoice_id=invoice.pk).update(
        status=invoice.status,
        amount_paid=invoice.amount_paid,
        total=invoice.total,
        due_on=invoice.due_date,
        disputed=invoice.disputed,
        paid_at=invoice.paid_at,
    )


def route_of(invoice: Invoice) -> InvoiceRoute | None:
    tenant = here()
    if not invoice.buyer_opd or tenant is None:
        return None
    return InvoiceRoute.objects.filter(kelurahan=tenant, invoice_id=invoice.pk).first()


def invoice_for_token(token: str) -> Invoice | None:
    """The invoice of a route of this tenant, by its token (another tenant's token finds nothing)."""
    tenant = here()
    if tenant is None or not token or len(token) != TOKEN_LENGTH:
        return None
    pk = InvoiceRoute.objects.filter(kelurahan=tenant, token=token).values_list("invoice_id", flat=True).first()
    if pk is None:
        return None
    return Invoice.objects.select_related("shop", "open_request").filter(pk=pk, buyer_opd__gt="").first()


def seller_link(route: InvoiceRoute, name: str = "invoicing:opd_invoice") -> str:
    """The invoice's page (or PDF) for the OPD, on the seller's host."""
    return route.kelurahan.url(reverse(name, kwargs={"token": route.token}))
