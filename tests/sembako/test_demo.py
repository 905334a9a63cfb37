"""The Sembako demo: RW 01's open round with pak-joko's paid order and one paid by a bansos
entitlement; running it again changes nothing."""

from __future__ import annotations

import pytest

from apps.accounts.models import User
from apps.aid import demo as aid_demo
from apps.aid.models import Distribution
from apps.demo import seed as core_demo
from apps.fulfillment import services as antar
from apps.marketplace import demo as marketplace_demo
from apps.payments import demo as payments_demo
from apps.sembako import demo
from apps.sembako.models import HouseholdOrder, Round
from apps.tenancy.models import Tenant
from tests.browser.scenes import HUB_POINT

pytestmark = pytest.mark.django_db


def test_demo_is_idempotent(tenant_a: Tenant) -> None:
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        aid_demo.seed(tenant_a)
        payments_demo.seed(tenant_a)
        marketplace_demo.seed(tenant_a)
        admin = User.objects.get(username="admin")
        antar.create_hub(actor=admin, code="hub-demo-sembako", name="Hub Demo", lat=HUB_POINT[0], lng=HUB_POINT[1])
        demo.seed(tenant_a)
        demo.seed(tenant_a)
        round = Round.objects.get(title=demo.TITLE)
        assert round.status == Round.Status.OPEN and round.items.count() == 3
        orders = {
            o.household.username: o for o in HouseholdOrder.objects.filter(round=round).select_related("household")
        }
        assert orders["pak-joko"].status == HouseholdOrder.Status.PAID and orders["pak-joko"].paid_method == "wallet"
        bansos = [o for o in orders.values() if o.paid_method == "bansos"]
        assert len(bansos) == 1 and bansos[0].aid_distribution is not None
        assert bansos[0].aid_distribution.status == Distribution.Status.DISTRIBUTED
