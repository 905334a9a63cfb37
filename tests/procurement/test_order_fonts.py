"""The purchase order (Surat Pesanan) embeds its fonts and prints a supplier's name in any script."""

from __future__ import annotations

import pytest

from apps.procurement import pdf
from apps.procurement.models import PurchaseOrder
from apps.tenancy.models import Tenant
from tests.pdf_fonts import MIXED_NAME, assert_prints

from .conftest import People, advance

pytestmark = pytest.mark.django_db


def test_the_order_prints_javanese_and_diacritics(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = advance(people, "ordered")
        order = PurchaseOrder.objects.select_related("award__quote", "request").get(request=purchase)
        order.award.quote.business_name = f"Katering {MIXED_NAME}"
        order.request.title = "Nasi kotak rapat ꦥꦏꦼꦩ꧀"
        body = pdf.render_order(order, tenant_a)
    assert_prints(body, f"Katering {MIXED_NAME}", "Nasi kotak rapat ꦥꦏꦼꦩ꧀", "SURAT PESANAN", order.number)
