"""Sembako fixtures: a supplier shop (Bu Yati's grocery) with rice and cooking oil, a ketua RW
organising, a hub with its operator and a courier, reference food prices, households with
funded wallets, and a bansos programme distributing sembako in kind to Sari."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time, timedelta

import pytest
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.aid import services as aid
from apps.aid.identity import build_person
from apps.aid.models import Distribution, Program
from apps.fulfillment import services as antar
from apps.fulfillment.models import Hub
from apps.marketplace.models import Variant
from apps.pangan.models import FoodPrice
from apps.payments import services as pay
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.sembako import services
from apps.sembako.models import Round
from apps.tenancy.models import Tenant
from tests.browser.scenes import HUB_POINT
from tests.conftest import PASSWORD
from tests.marketplace.conftest import product

HOME = (-7.6401, 111.5372)
REGION = "357703"


def key() -> str:
    return f"test-{uuid.uuid4().hex}"


def fund(user: User, amount: int) -> None:
    pay.top_up(pay.ensure_wallet(user), amount, reference="test", idempotency_key=key())


@dataclass
class World:
    tenant: Tenant
    organiser: User  # ketua RW 01
    supplier: User  # Bu Yati, the grocery
    operator: User  # the hub's operator
    courier: User
    joko: User
    andi: User
    sari: User  # bansos beneficiary
    budi: User
    beras: Variant  # Beras medium 1 kg, supplier Rp12.000, 200 in stock
    minyak: Variant  # Minyak goreng curah 1 liter, supplier Rp15.000, 100 in stock
    hub: Hub
    program: Program
    distribution: Distribution  # Sari's, Rp100.000


def make_world(tenant: Tenant, prefix: str = "") -> World:
    def person(name: str, full: str, *roles: str) -> User:
        return create_user(username=f"{prefix}{name}", full_name=full, roles=list(roles), password=PASSWORD)

    admin = User.objects.get(username="admin")
    organiser = person("ketua", "Pak Ketua RW", Role.KETUA_RW)
    supplier = person("yati", "Suryati", Role.PEMILIK_UMKM)
    operator = person("operator", "Operator Hub", Role.OPERATOR_HUB)
    courier = person("kurir", "Kurir Andi", Role.KURIR)
    joko, andi, sari, budi = (person(n, n.title(), Role.WARGA) for n in ("joko", "andi", "sari", "budi"))
    from apps.marketplace import services as market

    shop = market.open_shop(supplier, name=f"{prefix}Grosir Bu Yati", address="Jl. Mojorejo Gg. IV")
    beras = product(shop, supplier, "Beras medium", f"{prefix}BRS", 12_000, 200)
    minyak = product(shop, supplier, "Minyak goreng curah", f"{prefix}MYK", 15_000, 100)
    hub = antar.create_hub(
        actor=admin,
        code=f"{prefix}hub-sembako",
        name="Hub Balai",
        lat=HUB_POINT[0],
        lng=HUB_POINT[1],
        operators=[operator],
    )
    antar.register_courier(
        courier, actor=admin, vehicle="motor", home_hub=hub, shift_start=time(0), shift_end=time(23, 59, 59)
    )
    rw, _ = RukunWarga.objects.get_or_create(number=1)
    rt, _ = RukunTetangga.objects.get_or_create(rw=rw, number=1)
    for user in (joko, andi, sari, budi):
        Residency.objects.update_or_create(user=user, defaults={"rt": rt})
        fund(user, 500_000)
    FoodPrice.objects.update_or_create(
        commodity="Beras Medium", area="Bandung", day=date(2025, 11, 7), defaults={"unit": "kg", "price": 13_250}
    )
    FoodPrice.objects.update_or_create(
        commodity="Minyak Goreng Curah",
        area="Bandung",
        day=date(2025, 11, 7),
        defaults={"unit": "liter", "price": 17_500},
    )
    today = timezone.localdate()
    program = aid.create_program(
        aid.ProgramInput(
            name=f"{prefix}Sembako Lansia",
            target_type="individu",
            funding_source="apbd",
            start_date=today - timedelta(days=60),
            end_date=today + timedelta(days=60),
            quota=10,
            amount=100_000,
        )
    )
    beneficiary = aid.save_beneficiary(
        build_person(nik=f"{REGION}170580{len(prefix) + 1:04d}", name="Sari", rw=1, rt=1), user=sari
    )
    enrolment = aid.enrol(program, beneficiary, by=None)
    distribution, _ = aid.plan_distribution(enrolment, period=today.strftime("%Y-%m"))
    return World(
        tenant,
        organiser,
        supplier,
        operator,
        courier,
        joko,
        andi,
        sari,
        budi,
        beras,
        minyak,
        hub,
        program,
        distribution,
    )


def open_round(world: World, **extra: object) -> Round:
    items = [
        services.ItemSpec(variant=world.beras.pk, unit="kg", price=12_500, commodity="Beras Medium"),
        services.ItemSpec(variant=world.minyak.pk, unit="liter", price=16_000, commodity="Minyak Goreng Curah"),
        services.ItemSpec(name="Telur ayam", unit="kg", price=27_000, cap=3),
    ]
    values: dict = {"title": "Sembako Desember", "closes_at": timezone.now() + timedelta(days=2), "hub": world.hub}
    values.update(extra)
    return services.open_round(world.organiser, items=items, aid_program=world.program, **values)


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


@pytest.fixture
def world(in_a: Tenant) -> World:
    return make_world(in_a)
