"""Query budgets of the delivery lists (API and pages): same count at n and 10n, ≤ 12."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import services
from apps.fulfillment.models import Hub
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD

from .conftest import HUB_POINT, World, new_delivery, signed_in
from .test_api import BASE, api

pytestmark = pytest.mark.django_db


def _deliveries(world: World) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for _ in range(count):
            new_delivery(world)

    return grow


def _hubs_and_couriers(world: World) -> Callable[[int], None]:
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            hub = services.create_hub(
                actor=world.staff,
                code=f"hub-{made[0]}",
                name=f"Hub {made[0]}",
                lat=HUB_POINT[0],
                lng=HUB_POINT[1],
                address="Balai RW",
                cutoff_times=["00:00"],
                operators=[world.operator],
            )
            user = create_user(username=f"kurir-{made[0]}", roles=[Role.KURIR], password=PASSWORD)
            services.register_courier(
                user, actor=world.operator, vehicle="motor", home_hub=hub, shift_start=time(0), shift_end=time(23)
            )

    return grow


@pytest.mark.parametrize("who", ["staff", "operator", "joko", "sri"])
def test_deliveries_api(world: World, who: str) -> None:
    client = api(world, getattr(world, who))
    assert_list_budget(lambda: client.get(f"{BASE}/deliveries/?page_size=100"), _deliveries(world))


def test_my_deliveries_page(world: World) -> None:
    client = signed_in(world.tenant, world.joko)
    assert_list_budget(lambda: client.get("/antar/"), _deliveries(world))


@pytest.mark.parametrize("path", ["/hubs/?page_size=100", "/couriers/?page_size=100"])
def test_hubs_and_couriers_api(world: World, path: str) -> None:
    client = api(world, world.staff)
    assert_list_budget(lambda: client.get(f"{BASE}{path}"), _hubs_and_couriers(world))


def test_hubs_page(world: World) -> None:
    client = signed_in(world.tenant, world.operator)
    assert_list_budget(lambda: client.get("/antar/hub/"), _hubs_and_couriers(world))
    assert Hub.objects.count() == 31
