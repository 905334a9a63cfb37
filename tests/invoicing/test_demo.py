"""invoicing demo: bu-sri invoices the kelurahan for her accepted procurement order, and an
overdue invoice to pak-joko feeds the ageing report; idempotent."""

from __future__ import annotations

from typing import Any

import pytest

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.invoicing import demo, selectors, services
from apps.invoicing.models import Invoice
from apps.marketplace import services as marketplace
from apps.procurement import demo as procurement_demo
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
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
        assert Invoice.objects.count() == 2
        report = selectors.ageing(selectors.sold_by(sri), services.today())
        assert report.count == 2 and report.total == office.total + late.total
