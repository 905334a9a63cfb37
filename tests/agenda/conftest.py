from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.agenda import services
from apps.agenda.models import Audience, Event
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD

WIB = ZoneInfo("Asia/Jakarta")


def wib(day_offset: int, hour: int, minute: int = 0) -> datetime:
    base = datetime.now(WIB).replace(hour=hour, minute=minute, second=0, microsecond=0)
    return base + timedelta(days=day_offset)


def make_units(tenant: Tenant) -> dict[tuple[int, int], RukunTetangga]:
    units = {}
    with tenant:
        for rw_number in (1, 2):
            rw, _ = RukunWarga.objects.get_or_create(number=rw_number)
            for rt_number in (1, 2, 3):
                units[(rw_number, rt_number)] = RukunTetangga.objects.get_or_create(rw=rw, number=rt_number)[0]
    return units


@pytest.fixture
def units_a(tenant_a: Tenant, db: None) -> dict[tuple[int, int], RukunTetangga]:
    return make_units(tenant_a)


def login(client: Client, username: str = "admin") -> Client:
    response = client.post("/akun/masuk/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture
def staff_a(client_a: Client) -> Client:
    return login(client_a)


@pytest.fixture
def residents(tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga]) -> dict[str, User]:
    """A resident in RT 02/RW 01, one in RT 01/RW 01, one in RT 01/RW 02 (password PASSWORD)."""
    people = {}
    with tenant_a:
        for username, unit in (("rt2rw1", (1, 2)), ("rt1rw1", (1, 1)), ("rt1rw2", (2, 1))):
            user = User.objects.create(username=username, full_name=username.upper())
            user.set_password(PASSWORD)
            user.save()
            Residency.objects.create(user=user, rt=units_a[unit])
            people[username] = user
    return people


EventFactory = Callable[..., Event]


@pytest.fixture
def make_event(tenant_a: Tenant, units_a: dict[tuple[int, int], RukunTetangga]) -> EventFactory:
    """Create an event in A through the service (as admin)."""

    def factory(title: str, audience: str = Audience.PUBLIC, day: int = 3, **values: Any) -> Event:
        with tenant_a:
            admin = User.objects.get(username="admin")
            data = services.EventInput(
                title=title,
                starts_at=values.pop("starts_at", wib(day, 8)),
                ends_at=values.pop("ends_at", wib(day, 10)),
                place_name=values.pop("place_name", "Balai RW"),
                organiser=values.pop("organiser", "Panitia"),
                audience=audience,
                **values,
            )
            return services.create_event(data, by=admin)

    return factory
