"""Real threads, real connections: two households ordering the last unit of a capped item get
it once; two payments of one order move the money once."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import services as antar
from apps.payments import services as pay
from apps.sembako import services
from apps.sembako.models import HouseholdOrder, Round
from apps.tenancy.models import Tenant
from tests.browser.scenes import FULFILLMENT_TABLES, HUB_POINT
from tests.concurrency import race
from tests.conftest import TenantSet
from tests.marketplace.conftest import wipe_marketplace

PREFIX = "smb-race-"
USERNAMES = [f"{PREFIX}{name}" for name in ("ketua", "one", "two")]


def _wipe(tenant: Tenant) -> None:
    connection.set_schema_to_public()
    with tenant, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        for table in ["sembako_householdorder", "sembako_rounditem", "sembako_round", *FULFILLMENT_TABLES]:
            cursor.execute(f"DELETE FROM {table}")
    wipe_marketplace(tenant, USERNAMES)


@pytest.fixture
def committed_round(tenants: TenantSet, committed: None) -> Iterator[tuple[Round, list[User]]]:
    _wipe(tenants.a)
    with tenants.a:
        admin = User.objects.get(username="admin")
        ketua = create_user(username=f"{PREFIX}ketua", full_name="Ketua", roles=[Role.KETUA_RW])
        households = [create_user(username=f"{PREFIX}{n}", full_name=n, roles=[Role.WARGA]) for n in ("one", "two")]
        for user in households:
            pay.top_up(pay.ensure_wallet(user), 100_000, reference="test", idempotency_key=uuid.uuid4().hex)
        hub = antar.create_hub(actor=admin, code=f"{PREFIX}hub", name="Hub", lat=HUB_POINT[0], lng=HUB_POINT[1])
        round = services.open_round(
            ketua,
            title="Race",
            closes_at=timezone.now() + timedelta(days=1),
            hub=hub,
            items=[services.ItemSpec(name="Gula", unit="kg", price=16_000, cap=1)],
        )
    try:
        yield round, households
    finally:
        _wipe(tenants.a)


def test_two_households_race_for_the_last_unit(tenants: TenantSet, committed_round: tuple[Round, list[User]]) -> None:
    round, households = committed_round
    with tenants.a:
        item = round.items.get()

    def order(user: User) -> str:
        services.place_order(user, round, quantities={item.pk: 1})
        return "ok"

    outcomes, errors = race(tenants.a, [lambda u=u: order(u) for u in households])  # type: ignore[misc]
    assert not errors
    assert outcomes == {"ok": 1, "cap_reached": 1}
    with tenants.a:
        item.refresh_from_db()
        assert item.ordered == 1 and HouseholdOrder.objects.filter(round=round).count() == 1


def test_double_payment_pays_once(tenants: TenantSet, committed_round: tuple[Round, list[User]]) -> None:
    round, households = committed_round
    user = households[0]
    with tenants.a:
        order, _ = services.place_order(user, round, quantities={round.items.get().pk: 1})

    def pay_once() -> str:
        services.pay_with_wallet(order, actor=user, idempotency_key=uuid.uuid4().hex)
        return "ok"

    outcomes, errors = race(tenants.a, [pay_once, pay_once])
    assert not errors
    assert outcomes["ok"] == 2  # the second one finds it paid and answers as it is
    with tenants.a:
        order.refresh_from_db()
        assert order.status == HouseholdOrder.Status.PAID
        assert pay.ensure_wallet(user).balance == 100_000 - 16_000
