"""The fulfillment API: errors as {"error": ...}, scoping, actions, pings, jobs, OpenAPI."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import services
from apps.fulfillment.models import Delivery, Hub
from apps.tenancy.models import Tenant
from tests.conftest import client_for

from .conftest import BUYER_POINT, World, new_delivery, packed_order

pytestmark = pytest.mark.django_db
BASE = "/api/v1/fulfillment"


def api(world: World, user: User) -> Client:
    return client_for(world.tenant, HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")


def post(client: Client, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{BASE}{path}", body, content_type="application/json")


def test_hub_create_refuses_bad_coordinates_and_negative_capacity(world: World) -> None:
    staff = api(world, world.staff)
    outside = post(staff, "/hubs/", {"code": "hub-sby", "name": "Hub", "lat": "-7.25", "lng": "112.75"})
    assert outside.status_code == 422 and outside.json()["error"]["code"] == "outside_area"
    negative = post(
        staff, "/hubs/", {"code": "hub-n", "name": "Hub", "lat": "-7.637", "lng": "111.534", "capacity_slots": -3}
    )
    assert negative.status_code == 422
    assert not Hub.objects.filter(code__in=["hub-sby", "hub-n"]).exists()
    made = post(staff, "/hubs/", {"code": "hub-baru", "name": "Hub Baru", "lat": "-7.639", "lng": "111.536"})
    assert made.status_code == 201 and made.json()["code"] == "hub-baru"
    assert (
        post(api(world, world.joko), "/hubs/", {"code": "h", "name": "H", "lat": "-7.6", "lng": "111.5"}).status_code
        == 403
    )


def test_delivery_lifecycle_through_the_api(world: World) -> None:
    order = packed_order(world)
    shop = api(world, world.sri)
    now = timezone.now()
    made = post(
        shop,
        "/deliveries/",
        {
            "order": order.pk,
            "lat": BUYER_POINT[0],
            "lng": BUYER_POINT[1],
            "address": "Jl. B",
            "window_start": now.isoformat(),
            "window_end": (now + timedelta(hours=5)).isoformat(),
        },
    )
    assert made.status_code == 201, made.content
    code = made.json()["code"]
    assert post(shop, "/deliveries/", {"order": 999_999, "lat": "-7.64", "lng": "111.53"}).status_code == 404
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk)
    courier = api(world, world.andi)
    assert post(courier, f"/deliveries/{code}/deliver/", {"otp": "1"}).status_code == 409
    assert post(courier, f"/deliveries/{code}/pickup/", {}).json()["status"] == "picked_up"
    delivery = Delivery.objects.get(code=code)
    done = post(courier, f"/deliveries/{code}/deliver/", {"otp": services.otp_for(delivery)})
    assert done.status_code == 200 and done.json()["status"] == "delivered"
    jobs = api(world, world.operator).get(f"{BASE}/jobs/{job.pk}/").json()
    assert jobs["status"] == "succeeded" and jobs["routes"][0]["stops"][0]["delivery"] == code


def test_deliveries_are_scoped_to_who_may_see_them(world: World, tenant_b: Tenant) -> None:
    delivery = new_delivery(world)
    assert api(world, world.joko).get(f"{BASE}/deliveries/{delivery.code}/").status_code == 200
    assert api(world, world.other).get(f"{BASE}/deliveries/{delivery.code}/").status_code == 404
    assert api(world, world.other).get(f"{BASE}/deliveries/").json()["count"] == 0
    assert api(world, world.operator).get(f"{BASE}/deliveries/").json()["count"] == 1
    assert api(world, world.other).get(f"{BASE}/jobs/").status_code == 403
    with tenant_b:  # the same code on another kelurahan's host: unknown there
        staff_b = create_user(username="staf-b", roles=[Role.ADMIN])
        key = issue_token(staff_b).key
    client_b = client_for(tenant_b, HTTP_AUTHORIZATION=f"Token {key}")
    assert client_b.get(f"{BASE}/deliveries/{delivery.code}/").status_code == 404
    assert client_b.get(f"{BASE}/hubs/").json()["count"] == 0


def test_pings_through_the_api(world: World) -> None:
    courier = api(world, world.andi)
    now = timezone.now()
    first = post(courier, "/pings/", {"lat": "-7.638", "lng": "111.535", "accuracy": 8, "ts": now.isoformat()})
    assert first.status_code == 201
    soon = post(courier, "/pings/", {"lat": "-7.638", "lng": "111.535", "accuracy": 8, "ts": str(now.timestamp() + 1)})
    assert soon.status_code == 429 and soon.json()["error"]["code"] == "too_many_pings"
    assert (
        post(
            api(world, world.joko), "/pings/", {"lat": "-7.638", "lng": "111.535", "accuracy": 8, "ts": "1"}
        ).status_code
        == 403
    )


def test_the_openapi_schema_documents_fulfillment(world: World) -> None:
    schema = api(world, world.staff).get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    for path in ("hubs/", "couriers/", "deliveries/", "deliveries/{code}/deliver/", "pings/", "jobs/{id}/"):
        assert f"{BASE}/{path}" in paths, path
