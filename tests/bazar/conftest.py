"""Bazar fixtures: the marketplace of tests/marketplace (Bu Sri's pecel shop, Bu Yati's oleh-oleh)
in Kelurahan Mojorejo, a lurah, and an arisan group whose round 1 is fully paid in."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.bazar import services
from apps.bazar.models import BazarEvent, Discount
from apps.community import services as community
from apps.community.models import ArisanGroup, ArisanRound
from apps.marketplace import services as market_services
from apps.payments import services as pay
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
from tests.marketplace.conftest import Market, make_market, product


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


@dataclass
class World:
    market: Market
    lurah: User
    group: ArisanGroup
    round1: ArisanRound  # winner: the market's joko (agreed order), Rp100.000


def fund(user: User, amount: int) -> None:
    pay.top_up(pay.ensure_wallet(user), amount, reference="test", idempotency_key=key())


def arisan_with_paid_round(
    organiser: User, member: User, name: str = "Arisan Bazar"
) -> tuple[ArisanGroup, ArisanRound]:
    """Two members (member wins round 1), Rp50.000 each: round 1 holds Rp100.000, ready to pay out."""
    group = community.create_group(
        organiser=organiser,
        name=name,
        contribution=50_000,
        period="monthly",
        draw_method="agreed",
        start_date="2026-01-01",
    )
    joined = community.add_member(group, member, actor=organiser)
    organiser_member = group.members.get(user=organiser)
    community.set_agreed_order(group, [joined.pk, organiser_member.pk], actor=organiser)
    round1 = group.rounds.get(number=1)
    for m in group.members.select_related("user"):
        fund(m.user, 50_000)
        community.contribute_with_wallet(round1, m, payer=m.user)
    return group, round1


def make_world(tenant: Tenant, prefix: str = "") -> World:
    market = make_market(tenant, prefix=prefix)
    lurah = create_user(username=f"{prefix}lurah", full_name="Lurah", roles=[Role.LURAH], password=PASSWORD)
    group, round1 = arisan_with_paid_round(market.andi, market.joko)
    return World(market=market, lurah=lurah, group=group, round1=round1)


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def world(in_a: Tenant) -> World:
    return make_world(in_a)


def make_bazar(lurah: User, starts_at: datetime | None = None, hours: int = 8, name: str = "Bazar UMKM") -> BazarEvent:
    starts_at = starts_at or timezone.now() - timedelta(hours=1)
    return services.create_bazar(
        actor=lurah,
        name=name,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=hours),
        place_name="Balai Kelurahan Mojorejo",
        grid_columns=4,
        grid_rows=3,
    )


def big_bazar(lurah: User, starts_at: datetime) -> BazarEvent:
    """A 10 × 10 bazar of five hours from `starts_at`, room for the query budgets' stalls."""
    return services.create_bazar(
        actor=lurah,
        name="Bazar Besar",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=5),
        place_name="Lapangan",
        grid_columns=10,
        grid_rows=10,
    )


def grow_promoted_stalls(event: BazarEvent) -> Callable[[int], None]:
    """`grow` for a query budget: each call adds `count` new shops (owner, one product), each
    with a stall at `event` and a Rp1.000 promotion on its product."""
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            n = made[0]
            owner = create_user(
                username=f"umkm-{n}", full_name=f"UMKM {n}", roles=[Role.PEMILIK_UMKM], password=PASSWORD
            )
            shop = market_services.open_shop(owner, name=f"Toko {n}", address="Jl. Bazar")
            variant = product(shop, owner, f"Produk {n}", f"SKU-{n}", 10_000, 5)
            stall = services.add_stall(event, shop, actor=owner)
            services.set_promotion(
                stall, actor=owner, discount=Discount.FIXED, value=1_000, products=[variant.product_id]
            )

    return grow
