"""Every factory in tests/factories makes a valid object through its service, inside tenant A,
with the invariants the services keep (a balanced ledger, stock rows, SLA deadlines, statuses)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.fulfillment.models import Delivery
from apps.marketplace.lifecycle import Status as OrderStatus
from apps.marketplace.models import Stock
from apps.tenancy.models import Tenant
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_a(tenant_a: Tenant) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


def _ledger_balanced() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM payments_posting")
        return int(cursor.fetchone()[0]) == 0


def test_people_and_units(in_a: Tenant) -> None:
    first, second = f.UserFactory(), f.UserFactory(roles=[Role.KURIR])
    assert first.username != second.username and first.has_role(Role.WARGA) and second.has_role(Role.KURIR)
    assert first.check_password("Sandi-Kuat-2026!")
    assert f.staff().is_staff
    home = f.ResidencyFactory()
    assert home.rt.rw.number >= 20 and home.user.residency == home


def test_wallets_are_funded_through_the_ledger(in_a: Tenant) -> None:
    wallet = f.WalletFactory(balance=50_000)
    assert wallet.balance == 50_000 and wallet.code == f"wallet:{wallet.owner_id}"
    assert f.fund(wallet, 1_000).balance == 51_000
    assert f.MerchantAccountFactory().code
    assert _ledger_balanced()


def test_shop_variant_and_order_lifecycle(in_a: Tenant) -> None:
    variant = f.VariantFactory(stock=7, price=15_000)
    stock = Stock.objects.get(variant=variant)
    assert stock.quantity == 7 and variant.price == 15_000
    placed = f.OrderFactory(variant=variant, payment_method="", status="placed")
    packed = f.OrderFactory(variant=variant, quantity=2, status="packed")
    assert placed.status == OrderStatus.AWAITING_PAYMENT
    assert packed.status == OrderStatus.PACKED and packed.shop_id == variant.product.shop_id
    with pytest.raises(ValueError, match="unknown status"):
        f.OrderFactory(variant=variant, status="teleported")


def test_hub_courier_and_delivery(in_a: Tenant) -> None:
    hub = f.HubFactory()
    courier = f.CourierFactory(home_hub=hub)
    assert courier.home_hub == hub and hub.operators.count() == 1
    delivery = f.DeliveryFactory()
    assert delivery.status == Delivery.Status.PENDING and delivery.order.status == OrderStatus.PACKED
    assert delivery.window_end > delivery.window_start


def test_report_permit_event_kas_arisan(in_a: Tenant, settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    report = f.ReportFactory(category=f.CategoryFactory(sla_hours=24))
    assert report.code and report.category.sla_hours == 24
    permit = f.PermitFactory()
    assert permit.status == "submitted" and permit.due_at is not None
    event = f.EventFactory(days=2, hour=9)
    assert event.ends_at > event.starts_at
    schedule = f.IuranScheduleFactory(amount=15_000)
    assert schedule.amount == 15_000
    group = f.ArisanGroupFactory(members=3, commit=True)
    assert group.members.count() == 4 and group.status == group.Status.COMMITTED


def test_aid_and_lending(in_a: Tenant) -> None:
    program = f.ProgramFactory(quota=2)
    f.RecipientFactory(program=program)
    f.RecipientFactory(program=program)
    assert program.enrolments.count() == 2
    loan = f.LoanFactory(amount=2_000_000, tenor_months=4)
    assert loan.principal == 2_000_000 and loan.instalments.count() == 4
    assert _ledger_balanced()
