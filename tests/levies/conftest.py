"""Kota Madiun levies billed to a Mojorejo warga (tests): finance officer, levies, payer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.levies import services
from apps.levies.models import Levy
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD, TenantSet


@dataclass
class World:
    kota: Tenant
    kel: Tenant
    other_kel: Tenant
    officer: User  # kota schema
    kota_warga: User  # kota schema
    payer: User  # kelurahan schema
    neighbour: User  # kelurahan schema
    lurah: User  # kelurahan schema
    sampah: Levy
    pasar: Levy


def make_world(tenants: TenantSet, prefix: str = "lv") -> World:
    with tenants.kota:
        officer = create_user(
            username=f"{prefix}-bapenda", full_name="Petugas Bapenda", roles=[Role.STAF_OPD], password=PASSWORD
        )
        kota_warga = create_user(
            username=f"{prefix}-warga-kota", full_name="Warga Kota", roles=[Role.WARGA], password=PASSWORD
        )
        sampah = services.do_save_levy(
            code=f"{prefix.upper()}SMP",
            name="Retribusi persampahan",
            kind=Levy.Kind.RETRIBUSI,
            tariff=15_000,
            period=Levy.Period.MONTHLY,
            perda="Perda Kota Madiun No. 5 Tahun 2011",
        )
        pasar = services.do_save_levy(
            code=f"{prefix.upper()}PSR",
            name="Retribusi pasar",
            kind=Levy.Kind.RETRIBUSI,
            tariff=60_000,
            period=Levy.Period.MONTHLY,
            perda="Perda Kota Madiun No. 5 Tahun 2011",
        )
    with tenants.a:
        payer = create_user(username=f"{prefix}-joko", full_name="Pak Joko", roles=[Role.WARGA], password=PASSWORD)
        neighbour = create_user(
            username=f"{prefix}-tetangga", full_name="Tetangga", roles=[Role.WARGA], password=PASSWORD
        )
        lurah = create_user(username=f"{prefix}-lurah", full_name="Lurah", roles=[Role.LURAH], password=PASSWORD)
    return World(tenants.kota, tenants.a, tenants.b, officer, kota_warga, payer, neighbour, lurah, sampah, pasar)


@pytest.fixture
def world(tenants: TenantSet, db: None) -> Iterator[World]:
    yield make_world(tenants)
