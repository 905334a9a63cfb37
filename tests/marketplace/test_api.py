"""Integrator API: token auth, catalogue, order creation with Idempotency-Key, status, errors."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.accounts.api_tokens import issue_token
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.marketplace.models import Order, Stock
from apps.tenancy.models import Tenant
from tests.conftest import client_for
from tests.marketplace.conftest import Market, signed_in

pytestmark = pytest.mark.django_db
BASE = "/api/v1/marketplace"


@pytest.fixture
def bumdes(market: Market, tenant_a: Tenant) -> Client:
    user = create_user(username="bumdes-api", full_name="BUMDes Mojorejo", roles=[Role.INTEGRATOR])
    return client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")


def post(client: Client, path: str, body: dict[str, Any], key: str | None = "k-1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"{BASE}{path}", body, content_type="application/json", **headers)


def test_the_api_needs_a_token(market: Market, tenant_a: Tenant) -> None:
    response = client_for(tenant_a).get(f"{BASE}/products/")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_catalogue_lists_products_with_variants_and_availability(bumdes: Client, market: Market) -> None:
    body = bumdes.get(f"{BASE}/products/").json()
    assert body["count"] == 4
    keripik = next(p for p in body["results"] if p["name"] == "Keripik tempe")
    assert keripik["shop"]["name"] == "Pecel Madiun Bu Sri" and keripik["price_min"] == 15_000
    assert keripik["variants"] == [
        {"id": market.keripik.pk, "sku": "PCL-KRP", "name": "", "price": 15_000, "available": 10}
    ]
    found = bumdes.get(f"{BASE}/products/", {"q": "kripik tempe"}).json()["results"]
    assert found[0]["name"] == "Keripik tempe"
    by_shop = bumdes.get(f"{BASE}/products/", {"shop": market.oleh.slug}).json()["results"]
    assert [p["name"] for p in by_shop] == ["Madumongso"]
    one = bumdes.get(f"{BASE}/products/{market.nasi.product_id}/").json()
    assert one["variants"][0]["sku"] == "PCL-NASI"
    shops = bumdes.get(f"{BASE}/shops/").json()["results"]
    assert {s["slug"] for s in shops} == {market.pecel.slug, market.oleh.slug}


def test_order_create_with_idempotency_key_makes_one_order_per_shop_once(bumdes: Client, market: Market) -> None:
    body = {
        "items": [{"variant": market.nasi.pk, "quantity": 5}, {"variant": market.madumongso.pk, "quantity": 2}],
        "delivery_method": "pickup",
        "payment_method": "cod",
    }
    first = post(bumdes, "/orders/", body, key="bumdes-po-0001")
    assert first.status_code == 201, first.content
    data = first.json()
    assert data["replayed"] is False and len(data["orders"]) == 2
    assert {o["status"] for o in data["orders"]} == {"cod"}
    again = post(bumdes, "/orders/", body, key="bumdes-po-0001")
    assert again.status_code == 200
    assert [o["id"] for o in again.json()["orders"]] == [o["id"] for o in data["orders"]]
    assert Order.objects.count() == 2
    assert Stock.objects.get(variant=market.nasi).quantity_allocated == 5
    changed = post(bumdes, "/orders/", {**body, "items": body["items"][:1]}, key="bumdes-po-0001")
    assert changed.status_code == 409 and changed.json()["error"]["code"] == "idempotency_conflict"

    order_id = data["orders"][0]["id"]
    status = bumdes.get(f"{BASE}/orders/{order_id}/").json()
    assert status["status"] == "cod" and [e["action"] for e in status["events"]] == ["place", "choose_cod"]
    assert status["lines"][0]["unit_price"] in (12_000, 18_000)
    assert bumdes.get(f"{BASE}/orders/").json()["count"] == 2


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"items": [{"variant": "NASI", "quantity": -3}]}, 422, "invalid_quantity"),
        ({"items": [{"variant": "NASI", "quantity": 0}]}, 422, "invalid_quantity"),
        ({"items": [{"variant": 99999, "quantity": 1}]}, 422, "unknown_variant"),
        ({"items": []}, 422, "empty_order"),
        ({"items": [{"variant": "NASI", "quantity": "x"}]}, 422, "validation_failed"),
        ({"items": [{"variant": "NASI", "quantity": 1}], "delivery_method": "drone"}, 422, "validation_failed"),
        ({"items": [{"variant": "SMB", "quantity": 6}]}, 409, "insufficient_stock"),
    ],
)
def test_bad_orders_are_refused_with_a_clear_error_and_nothing_changes(
    bumdes: Client, market: Market, body: dict[str, Any], status: int, code: str
) -> None:
    ids = {"NASI": market.nasi.pk, "SMB": market.sambal.pk}
    for item in body["items"]:
        item["variant"] = ids.get(item["variant"], item["variant"])
    response = post(bumdes, "/orders/", body)
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code
    assert response.json()["error"]["message"]
    assert not Order.objects.exists()
    assert Stock.objects.filter(quantity_allocated__gt=0).count() == 0


def test_an_order_needs_an_idempotency_key(bumdes: Client, market: Market) -> None:
    response = post(bumdes, "/orders/", {"items": [{"variant": market.nasi.pk, "quantity": 1}]}, key=None)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_required"


def test_lifecycle_over_the_api_and_out_of_order_moves(bumdes: Client, market: Market, tenant_a: Tenant) -> None:
    made = post(bumdes, "/orders/", {"items": [{"variant": market.keripik.pk, "quantity": 1}]}).json()
    order_id = made["orders"][0]["id"]
    seller = signed_in(tenant_a, market.sri)
    early = seller.post(f"{BASE}/orders/{order_id}/transition/", {"action": "accept"}, content_type="application/json")
    assert early.status_code == 409 and early.json()["error"]["code"] == "invalid_transition"
    paid = post(bumdes, f"/orders/{order_id}/pay/", {"method": "cod"}, key="pay-1")
    assert paid.status_code == 200 and paid.json()["status"] == "cod"
    not_yours = post(bumdes, f"/orders/{order_id}/transition/", {"action": "accept"})
    assert not_yours.status_code == 403
    accepted = seller.post(
        f"{BASE}/orders/{order_id}/transition/", {"action": "accept"}, content_type="application/json"
    )
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert bumdes.get(f"{BASE}/orders/{order_id}/").json()["status"] == "accepted"


def test_paying_with_a_used_key_replays_or_is_refused_like_every_shared_key(bumdes: Client, market: Market) -> None:
    first = post(bumdes, "/orders/", {"items": [{"variant": market.keripik.pk, "quantity": 1}]}, key="po-a").json()
    second = post(bumdes, "/orders/", {"items": [{"variant": market.nasi.pk, "quantity": 1}]}, key="po-b").json()
    order_a, order_b = first["orders"][0]["id"], second["orders"][0]["id"]
    paid = post(bumdes, f"/orders/{order_a}/pay/", {"method": "cod"}, key="bayar-1")
    assert paid.status_code == 200 and paid.json()["status"] == "cod"
    again = post(bumdes, f"/orders/{order_a}/pay/", {"method": "cod"}, key="bayar-1")
    assert (again.status_code, again.content) == (200, paid.content)
    assert again["Idempotency-Replayed"] == "true"
    # The order's own key is per order, so this used to pay order B; the key is the caller's.
    other_order = post(bumdes, f"/orders/{order_b}/pay/", {"method": "cod"}, key="bayar-1")
    assert other_order.status_code == 409 and other_order.json()["error"]["code"] == "idempotency_key_reused"
    other_method = post(bumdes, f"/orders/{order_a}/pay/", {"method": "wallet"}, key="bayar-1")
    assert other_method.status_code == 409 and other_method.json()["error"]["code"] == "idempotency_key_reused"
    assert Order.objects.get(public_id=order_b).status == "awaiting_payment"
    assert Order.objects.get(public_id=order_a).status == "cod"


def test_unknown_and_malformed_order_ids_are_404(bumdes: Client, market: Market) -> None:
    assert bumdes.get(f"{BASE}/orders/00000000-0000-0000-0000-000000000000/").status_code == 404
    assert bumdes.get(f"{BASE}/orders/not-a-uuid/").status_code == 404
    assert bumdes.get(f"{BASE}/products/999999/").status_code == 404


def test_someone_elses_order_is_404(bumdes: Client, market: Market, tenant_a: Tenant) -> None:
    made = post(bumdes, "/orders/", {"items": [{"variant": market.keripik.pk, "quantity": 1}]}).json()
    other = signed_in(tenant_a, market.andi)
    assert other.get(f"{BASE}/orders/{made['orders'][0]['id']}/").status_code == 404


def test_the_openapi_schema_documents_the_marketplace(bumdes: Client) -> None:
    schema = bumdes.get("/api/v1/schema/", {"format": "json"})
    assert schema.status_code == 200, schema.content[:300]
    paths = schema.json()["paths"]
    assert "/api/v1/marketplace/orders/" in paths
    create = paths["/api/v1/marketplace/orders/"]["post"]
    assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in create["parameters"])
    assert "/api/v1/marketplace/products/" in paths and "/api/v1/marketplace/orders/{id}/" in paths


def test_catalogue_search_within_a_shop_pages_and_counts(bumdes: Client, market: Market) -> None:
    def names(**params: str) -> tuple[int, list[str]]:
        response = bumdes.get(f"{BASE}/products/", params)
        assert response.status_code == 200, response.content
        body = response.json()
        return body["count"], [p["name"] for p in body["results"]]

    count, found = names(q="pecel")
    assert count == len(found) and "Nasi pecel" in found and "Madumongso" not in found
    assert names(q="pecel", shop=market.oleh.slug) == (0, [])
    assert names(q="madumongso", shop=market.oleh.slug) == (1, ["Madumongso"])
    assert names(shop=market.pecel.slug)[0] == 3
    assert names(shop="tidak-ada") == (0, [])
    count, first_page = names(shop=market.pecel.slug, page_size="2")
    assert count == 3 and len(first_page) == 2
    assert len(names(shop=market.pecel.slug, page_size="2", page="2")[1]) == 1
    # Free text has no unreadable value; the page parameters keep the pagination's own answer.
    assert bumdes.get(f"{BASE}/products/", {"q": "pecel", "page": "9"}).status_code == 404
