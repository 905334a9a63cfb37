"""The kota's "Faktur masuk": UMKM invoices addressed to its OPDs, read from the public routes
(`tenancy.InvoiceRoute`, kota = this tenant). Kota tenants only.

Who sees what: the finance office (the kota tenant's admins) sees every OPD's invoices; OPD
staff see the invoices of the OPDs they act for (`reports.OpdStaff` in the kota's schema); anyone
else sees none. The routes hold no line items: the invoice itself (PDF, QRIS) is opened on the
seller's host through the route's token (routes.seller_link).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.notifications.services import notify
from apps.reports.models import Opd, OpdStaff
from apps.tenancy.models import InvoiceRoute, Tenant

from . import routes

PAGE_SIZE = 50


def kota_here() -> Tenant | None:
    tenant = routes.here()
    return tenant if tenant is not None and tenant.tenant_type == Tenant.Type.KOTA else None


@dataclass(frozen=True)
class Access:
    """What a user of the kota may see in Faktur masuk (read once per request)."""

    finance: bool = False  # every OPD of the kota
    codes: tuple[str, ...] = ()  # the OPDs they act for

    @property
    def any(self) -> bool:
        return self.finance or bool(self.codes)


def access_of(user: Any) -> Access:
    """The finance office (the kota tenant's admins) sees every OPD; OPD staff the OPDs they
    act for in the kota's register (reports.Opd staff); anyone else, and any other tenant, nothing."""
    if kota_here() is None or not getattr(user, "is_authenticated", False):
        return Access()
    if user.is_superuser or user.has_role(Role.ADMIN):
        return Access(finance=True)
    if not user.has_role(Role.STAF_OPD):
        return Access()
    codes = Opd.objects.filter(staff=user, active=True).order_by("code").values_list("code", flat=True)
    return Access(codes=tuple(codes))


def incoming_for(access: Access, *, status: str = "", opd: str = "") -> QuerySet[InvoiceRoute]:
    """The routes addressed to this kota that `access` may see, newest first."""
    kota = kota_here()
    if kota is None or not access.any:
        return InvoiceRoute.objects.none()
    found = InvoiceRoute.objects.filter(kota=kota).select_related("kelurahan").order_by("-id")
    if not access.finance:
        found = found.filter(opd_code__in=access.codes)
    if status in InvoiceRoute.Status.values:
        found = found.filter(status=status)
    if opd:
        found = found.filter(opd_code=opd)
    return found


def summary(rows: list[InvoiceRoute]) -> dict[str, int]:
    """Open and overdue amounts of a page of routes (computed from the rows already read)."""
    open_rows = [r for r in rows if r.status not in (InvoiceRoute.Status.PAID, InvoiceRoute.Status.CANCELLED)]
    return {
        "open": sum(r.total - r.amount_paid for r in open_rows),
        "overdue": sum(r.total - r.amount_paid for r in open_rows if r.status == InvoiceRoute.Status.OVERDUE),
        "count": len(open_rows),
    }


@transaction.atomic
def notify_opd(route_id: int, *, event: str, title: str, body: str, key: str) -> int:
    """Tell the finance office and the addressed OPD's staff of this kota about an invoice (a new
    one, its assignment to a lender), linking to its Faktur masuk page. Runs in the kota's schema
    (`tasks.notify_opd`); the same key never notifies twice. Returns the number of recipients."""
    route = InvoiceRoute.objects.filter(pk=route_id, kota=kota_here()).first() if kota_here() else None
    if route is None:
        return 0
    opd_staff = OpdStaff.objects.filter(opd__code=route.opd_code, opd__active=True).values("user_id")
    recipients = list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.ADMIN) | Q(pk__in=opd_staff, groups__name=Role.STAF_OPD))
        .distinct()
        .order_by("pk")
    )
    url = reverse("invoicing:incoming_detail", kwargs={"pk": route.pk})
    notify(recipients, event=event, title=title, body=body, url=url, key=f"{key}-route-{route.pk}")
    return len(recipients)
