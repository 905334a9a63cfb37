"""factoring demo: the BPR's officer sets up the daily product through the same service as the
lender partner API (POST /api/v1/factoring/products/); seeding twice changes nothing."""

from __future__ import annotations

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.factoring import demo
from apps.factoring.models import FactoringProduct
from apps.lending import services as lending
from apps.lending.models import LoanEvent
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_seed_creates_both_products_once(tenant_a: Tenant) -> None:
    with tenant_a:
        officer = create_user(username="bpr-madiun", full_name="Hendra", roles=[Role.PETUGAS_LKM], password=PASSWORD)
        create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        lender = lending.open_lender(name=demo.LENDER, kind="bpr", officers=[officer])
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        products = dict(FactoringProduct.objects.filter(lender=lender).values_list("name", "fee_basis"))
        assert products == {demo.PRODUCT: "flat", demo.DAILY: "per_day"}
        assert LoanEvent.objects.filter(lender=lender, action="factoring_product").count() == 1
