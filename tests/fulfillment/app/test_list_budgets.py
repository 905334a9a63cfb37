"""Query budgets of the delivery lists (API and pages): same count at n and 10n, ≤ 12."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import services
from apps.fulfillment.models import Batch, Courier, CourierPing, Delivery, Hub, Route, RouteStop, RoutingJob
from apps.marketplace import services as market
from tests.budgets import assert_list_budget
from tests.clock import freeze
from tests.conftest import PASSWORD

from .conftest import BUYER_POINT, HUB_POINT, World, new_delivery, signed_in
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


# --- routing: jobs, routes, the courier's day, hub boards, KPIs -----------------------------


def _planned(world: World, *, courier: Courier, hub: Hub, status: str = Delivery.Status.ASSIGNED) -> Delivery:
    """A delivery routed through `hub` to `courier` today: batch, job, route and its two stops.
    Rows straight in (the solver is tested elsewhere): these tests are about reading them."""
    delivery = new_delivery(world)
    now = timezone.now()
    batch = Batch.objects.create(hub=hub, cutoff_at=now - timedelta(minutes=next(_cutoffs)), status=Batch.Status.ROUTED)
    job = RoutingJob.objects.create(batch=batch, status=RoutingJob.Status.SUCCEEDED, routes_count=1, orders_total=1)
    route = Route.objects.create(
        job=job,
        courier=courier,
        day=timezone.localdate(),
        distance_m=1_500,
        duration_s=900,
        cost=3_000,
        starts_at=now,
        ends_at=now + timedelta(minutes=15),
        path=[list(HUB_POINT), list(BUYER_POINT)],
    )
    for seq, kind, point in ((1, RouteStop.Kind.PICKUP, HUB_POINT), (2, RouteStop.Kind.DROPOFF, BUYER_POINT)):
        RouteStop.objects.create(
            route=route, delivery=delivery, kind=kind, seq=seq, lat=point[0], lng=point[1], eta=now
        )
    done = status == Delivery.Status.DELIVERED
    Delivery.objects.filter(pk=delivery.pk).update(
        hub=hub,
        batch=batch,
        route=route,
        courier=courier,
        status=status,
        delivered_at=now if done else None,
        on_time=True if done else None,
    )
    return delivery


_cutoffs = itertools.count(1)


def _routed(world: World, courier: Courier | None = None) -> Callable[[int], None]:
    def grow(count: int) -> None:
        for _ in range(count):
            _planned(world, courier=courier or world.courier, hub=world.hub)

    return grow


def test_jobs_api(world: World) -> None:
    client = api(world, world.staff)
    assert_list_budget(lambda: client.get(f"{BASE}/jobs/?page_size=100"), _routed(world))
    assert client.get(f"{BASE}/jobs/?page_size=100").json()["count"] == 30


def test_courier_route_page(world: World) -> None:
    client = signed_in(world.tenant, world.andi)
    assert_list_budget(lambda: client.get("/antar/kurir/"), _routed(world))
    assert len(client.get("/antar/kurir/").context["stops"]) == 60


def test_courier_action_answers_with_the_route(world: World) -> None:
    """A refused step re-renders the courier's stops (HTMX): the same cost at any route length."""
    client = signed_in(world.tenant, world.andi)
    assert_list_budget(
        lambda: _ok_403(client.post("/antar/kurir/TIDAK-ADA/ambil/", HTTP_HX_REQUEST="true")), _routed(world)
    )


def _ok_403(response: Any) -> None:
    assert response.status_code == 403, response.status_code


def test_courier_ping_cost_is_fixed(world: World, time_machine: Any) -> None:
    """A GPS fix costs the same however many earlier fixes and stops the courier has."""
    client = signed_in(world.tenant, world.andi)
    moment = [freeze(time_machine, timezone.now())]

    def ping() -> None:
        moment[0] = freeze(time_machine, moment[0] + timedelta(seconds=30))
        response = client.post(
            "/antar/kurir/lokasi/",
            {"lat": BUYER_POINT[0], "lng": BUYER_POINT[1], "accuracy": 10, "ts": moment[0].isoformat()},
        )
        assert response.status_code == 201, response.content

    def grow(count: int) -> None:
        _routed(world)(count)
        for _ in range(count):
            ping()

    assert_list_budget(ping, grow)
    assert CourierPing.objects.filter(courier=world.courier).count() >= 33


def test_hub_detail_page(world: World) -> None:
    def grow(count: int) -> None:
        _routed(world)(count)
        for _ in range(count):
            new_delivery(world)  # waiting for a courier

    market.set_stock(world.nasi, 1_000, actor=world.sri)
    client = signed_in(world.tenant, world.operator)
    url = f"/antar/hub/{world.hub.code}/"
    assert_list_budget(lambda: client.get(url), grow)
    page = client.get(url)
    assert len(page.context["routes"]) == 30 and len(page.context["pending"]) == 30
    assert len(page.context["batches"]) == 20


def test_kpis_page(world: World) -> None:
    made = itertools.count(1)

    def grow(count: int) -> None:
        for _ in range(count):
            n = next(made)
            hub = services.create_hub(
                actor=world.staff,
                code=f"kpi-{n}",
                name=f"Hub KPI {n}",
                lat=HUB_POINT[0],
                lng=HUB_POINT[1],
                cutoff_times=["00:00"],
                operators=[world.operator],
            )
            user = create_user(username=f"kurir-kpi-{n}", full_name=f"Kurir {n}", roles=[Role.KURIR])
            courier = services.register_courier(
                user, actor=world.operator, vehicle="motor", home_hub=hub, shift_start=time(0), shift_end=time(23)
            )
            _planned(world, courier=courier, hub=hub, status=Delivery.Status.DELIVERED)

    client = signed_in(world.tenant, world.operator)
    assert_list_budget(lambda: client.get("/antar/kpi/"), grow)
    page = client.get("/antar/kpi/")
    assert len(page.context["hubs"]) == 30 and len(page.context["couriers"]) == 30
