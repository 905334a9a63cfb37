from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from apps.accounts.models import User
from apps.tenancy.models import Tenant
from apps.tukang import services
from apps.tukang.models import Tukang


@dataclass
class People:
    warga: User
    wawan: Tukang
    harto: Tukang
    admin: User


@pytest.fixture
def in_a(tenant_a: Tenant, db: None) -> Iterator[Tenant]:
    with tenant_a:
        yield tenant_a


def make_tukang(username: str, name: str, skills: list[str], phone: str = "", rate: int = 100_000) -> Tukang:
    user = User.objects.create(username=username, full_name=name, phone=phone)
    return services.register_tukang(user, name=name, skills=skills, rate=rate)


@pytest.fixture
def people(in_a: Tenant) -> People:
    warga = User.objects.create(username="t-warga", full_name="Joko", phone="081234560001")
    wawan = make_tukang("t-wawan", "Mas Wawan", ["listrik"], "081234560102", 75_000)
    harto = make_tukang("t-harto", "Pak Harto", ["ledeng", "listrik"], "081234560103")
    return People(warga, wawan, harto, User.objects.get(username="admin"))
