"""invoicing demo: bu-sri invoices the kelurahan for her accepted procurement order, and an
overdue invoice to pak-joko feeds the ageing report; idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.invoicing import demo, inbox, selectors, services
from apps.invoicing.models import Invoice
from apps.marketplace import services as marketplace
from apps.procurement import demo as procurement_demo
from apps.tenancy.models import InvoiceRoute, Tenant
from tests.conftest import PASSWORD, TenantSet
from tests.procurement.conftest import issue_permit

pytestmark = pytest.mark.django_db


def test_seed_invoices_the_accepted_order_once(tenant_a: Tenant, django_capture_on_commit_callbacks: Any) -> None:
    with tenant_a:
        sri = create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        if not User.objects.filter(username="admin").exists():
            create_user(username="admin", full_name="Admin", roles=[Role.ADMIN], password=PASSWORD)
        if not User.objects.filter(username="pak-joko").exists():
            create_user(username="pak-joko", full_name="Joko", roles=[Role.WARGA], password=PASSWORD)
        issue_permit(sri, kbli="56102", business_name="Pecel Madiun Bu Sri")
        marketplace.open_shop(sri, name="Pecel Madiun Bu Sri", address="Jl. Mojorejo No. 12")
        with django_capture_on_commit_callbacks(execute=True):
            procurement_demo.seed(tenant_a)
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        office = Invoice.objects.get(source="procurement")
        assert office.buyer_is_office and office.status == "viewed" and office.total == 80 * 12_500
        late = Invoice.objects.get(source_key=demo.MANUAL_KEY)
        assert late.status == "overdue" and late.total == 60 * 12_000 + 5 * 35_000
        opd = Invoice.objects.get(source_key=demo.OPD_KEY)  # Mojorejo only: to Dinas Perdagangan
        assert opd.buyer_opd == demo.OPD_CODE and opd.total == 150 * 20_000 + 150 * 6_000
        assert Invoice.objects.count() == 3
        report = selectors.ageing(selectors.sold_by(sri), services.today())
        assert report.count == 3 and report.total == office.total + late.total + opd.total
    route = InvoiceRoute.objects.get(kelurahan=tenant_a, invoice_id=opd.pk)
    assert (route.kota, route.opd_code, route.status) == (tenant_a.parent, demo.OPD_CODE, "sent")


def test_seed_gives_the_kota_the_opd_and_its_officer(tenants: TenantSet) -> None:
    with tenants.kota:
        officer = create_user(username="staf-disdag", full_name="Dewi", roles=[Role.STAF_OPD], password=PASSWORD)
        demo.seed(tenants.kota)
        demo.seed(tenants.kota)
        assert inbox.access_of(officer).codes == (demo.OPD_CODE,)
