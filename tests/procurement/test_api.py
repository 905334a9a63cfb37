"""The procurement API: creating, quoting, sealed quotes, evaluation/award and the OpenAPI document."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.procurement.models import PurchaseRequest, Quote
from apps.tenancy.models import Tenant
from tests.filters import assert_refused

from .conftest import RATIONALE, People, closed_request, logged_in, new_request

pytestmark = pytest.mark.django_db


def _body(**overrides: Any) -> dict[str, Any]:
    deadline = timezone.now() + timedelta(days=2)
    body: dict[str, Any] = {
        "title": "Konsumsi rapat RW",
        "items": [
            {"description": "Nasi kotak", "quantity": "50", "unit": "kotak", "kbli_code": "56"},
            {"description": "Air mineral", "quantity": "50", "unit": "gelas"},
        ],
        "budget_ceiling": 1_500_000,
        "quote_deadline": deadline.isoformat(),
        "delivery_address": "Balai RW 01",
        "delivery_lat": -7.6375,
        "delivery_lng": 111.5347,
        "delivery_date": (deadline + timedelta(days=2)).date().isoformat(),
        "publish": True,
    }
    body.update(overrides)
    return body


def test_staff_create_and_umkm_quote_then_revise(tenant_a: Tenant, people: People) -> None:
    staff, umkm = logged_in(tenant_a, people.staf), logged_in(tenant_a, people.umkm)
    created = staff.post("/api/v1/procurement/requests/", _body(), content_type="application/json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "open" and data["quote_count"] == 0 and data["delivery_lat"] == -7.6375
    assert [i["quantity"] for i in data["items"]] == ["50.00", "50.00"]
    url = f"/api/v1/procurement/requests/{data['id']}"
    seen = umkm.get(f"{url}/").json()
    assert seen["actions"] == ["quote"] and seen["quote_count"] is None and seen["my_quote"] is None
    assert [r["id"] for r in umkm.get("/api/v1/procurement/requests/?open_for_me=1").json()["results"]] == [data["id"]]
    assert logged_in(tenant_a, people.umkm_lain).get(f"{url}/").json()["actions"] == []
    lines = [{"item": i["id"], "unit_price": 25_000 if n == 0 else 3_000} for n, i in enumerate(data["items"])]
    first = umkm.post(
        f"{url}/quote/", {"lines": lines, "delivery_date": data["delivery_date"]}, content_type="application/json"
    )
    assert first.status_code == 201 and first.json()["total"] == 1_400_000 and first.json()["revision"] == 1
    lines[0]["unit_price"] = 24_000
    second = umkm.post(
        f"{url}/quote/", {"lines": lines, "delivery_date": data["delivery_date"]}, content_type="application/json"
    )
    assert second.status_code == 200 and second.json()["revision"] == 2
    assert [r["total"] for r in second.json()["revisions"]] == [1_400_000, 1_350_000]
    assert umkm.get(f"{url}/").json()["my_quote"] == first.json()["id"]
    mine = umkm.get("/api/v1/procurement/quotes/").json()["results"]
    assert [q["id"] for q in mine] == [first.json()["id"]]
    # Staff see the count, not the prices, until the deadline.
    assert staff.get(f"{url}/").json()["quote_count"] == 1
    assert staff.get(f"{url}/quotes/").json() == []
    assert staff.get("/api/v1/procurement/quotes/").json()["results"] == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"budget_ceiling": 0}, "invalid_amount"),
        ({"budget_ceiling": "banyak"}, "validation_failed"),
        ({"items": []}, "no_items"),
        ({"items": [{"description": "Nasi", "quantity": "0", "unit": "kotak"}]}, "invalid_quantity"),
        ({"items": [{"description": "Nasi", "quantity": "-5", "unit": "kotak"}]}, "invalid_quantity"),
        ({"items": [{"description": "Nasi", "quantity": "1.234", "unit": "kotak"}]}, "validation_failed"),
        ({"quote_deadline": "kemarin"}, "validation_failed"),
        ({"delivery_lat": 48.8, "delivery_lng": 2.35}, "invalid_location"),
    ],
)
def test_bad_create_input_is_422(tenant_a: Tenant, people: People, overrides: dict[str, Any], code: str) -> None:
    response = logged_in(tenant_a, people.staf).post(
        "/api/v1/procurement/requests/", _body(**overrides), content_type="application/json"
    )
    assert response.status_code == 422, response.content
    assert response.json()["error"]["code"] == code and response.json()["error"]["message"]
    with tenant_a:
        assert not PurchaseRequest.objects.exists()


@pytest.mark.parametrize(
    ("lines", "code", "status"),
    [
        ("zero", "invalid_amount", 422),
        ("negative", "invalid_amount", 422),
        ("unknown", "unknown_item", 422),
        ("missing", "missing_price", 422),
        ("duplicate", "duplicate", 422),
        ("text", "validation_failed", 422),
        ("over", "over_budget", 422),
    ],
)
def test_bad_quotes_over_the_api(tenant_a: Tenant, people: People, lines: str, code: str, status: int) -> None:
    with tenant_a:
        purchase = new_request(people)
        a, b = list(purchase.items.order_by("position").values_list("pk", flat=True))
    body = {
        "zero": [{"item": a, "unit_price": 0}, {"item": b, "unit_price": 3000}],
        "negative": [{"item": a, "unit_price": -100}, {"item": b, "unit_price": 3000}],
        "unknown": [{"item": a, "unit_price": 100}, {"item": b, "unit_price": 3000}, {"item": 999999, "unit_price": 1}],
        "missing": [{"item": a, "unit_price": 100}],
        "duplicate": [{"item": a, "unit_price": 100}, {"item": a, "unit_price": 200}, {"item": b, "unit_price": 3}],
        "text": [{"item": a, "unit_price": "murah"}, {"item": b, "unit_price": 3000}],
        "over": [{"item": a, "unit_price": 100_000}, {"item": b, "unit_price": 3000}],
    }[lines]
    response = logged_in(tenant_a, people.umkm).post(
        f"/api/v1/procurement/requests/{purchase.pk}/quote/",
        {"lines": body, "delivery_date": str(purchase.delivery_date)},
        content_type="application/json",
    )
    assert response.status_code == status and response.json()["error"]["code"] == code
    with tenant_a:
        assert not Quote.objects.exists()


def test_late_quote_over_the_api_is_409(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(
            people, now=timezone.now() - timedelta(days=1), deadline=timezone.now() - timedelta(seconds=1)
        )
        items = list(purchase.items.values_list("pk", flat=True))
    response = logged_in(tenant_a, people.umkm).post(
        f"/api/v1/procurement/requests/{purchase.pk}/quote/",
        {"lines": [{"item": i, "unit_price": 1000} for i in items], "delivery_date": str(purchase.delivery_date)},
        content_type="application/json",
    )
    assert response.status_code == 409 and response.json()["error"]["code"] == "deadline_passed"


def test_ineligible_umkm_over_the_api_is_403(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = new_request(people)
        items = list(purchase.items.values_list("pk", flat=True))
    response = logged_in(tenant_a, people.umkm_lain).post(
        f"/api/v1/procurement/requests/{purchase.pk}/quote/",
        {"lines": [{"item": i, "unit_price": 1000} for i in items], "delivery_date": str(purchase.delivery_date)},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_eligible"
    assert "56" in response.json()["error"]["message"]


def test_evaluate_and_award_over_the_api(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
        quotes = {q.supplier_id: q.pk for q in purchase.quotes.all()}
    staff = logged_in(tenant_a, people.petugas)
    url = f"/api/v1/procurement/requests/{purchase.pk}"
    opened = staff.get(f"{url}/quotes/").json()
    assert [q["business_name"] for q in opened] == ["Katering Pak Budi", "Warung Nasi Bu Sri"]  # cheapest first
    assert staff.get(f"{url}/").json()["actions"] == ["evaluate", "cancel"]
    scores = [{"quote": pk, "price": 95, "delivery": 90, "quality": 90} for pk in quotes.values()]
    no_reason = staff.post(f"{url}/evaluate/", {"scores": scores, "rationale": ""}, content_type="application/json")
    assert no_reason.status_code == 422 and no_reason.json()["error"]["code"] == "rationale_required"
    done = staff.post(f"{url}/evaluate/", {"scores": scores, "rationale": RATIONALE}, content_type="application/json")
    assert done.status_code == 200 and len(done.json()["scores"]) == 2
    assert staff.get(f"{url}/evaluation/").json()["rationale"] == RATIONALE
    won = staff.post(
        f"{url}/award/", {"quote": quotes[people.umkm_b.pk], "summary": "Termurah."}, content_type="application/json"
    )
    assert won.status_code == 200 and won.json()["award"]["business_name"] == "Katering Pak Budi"
    again = staff.post(
        f"{url}/award/", {"quote": quotes[people.umkm.pk], "reason": "x"}, content_type="application/json"
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_awarded"
    events = staff.get(f"{url}/events/").json()
    assert [e["action"] for e in events][-2:] == ["evaluate", "award"]
    assert logged_in(tenant_a, people.umkm).get(f"{url}/events/").status_code == 403


def test_umkm_sees_only_its_own_quote(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        purchase = closed_request(people)
    response = logged_in(tenant_a, people.umkm).get(f"/api/v1/procurement/requests/{purchase.pk}/quotes/")
    assert [q["business_name"] for q in response.json()] == ["Warung Nasi Bu Sri"]
    assert (
        logged_in(tenant_a, people.warga).get(f"/api/v1/procurement/requests/{purchase.pk}/quotes/").status_code == 403
    )


def test_openapi_documents_the_procurement_api(client_a: Client) -> None:
    schema = client_a.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/procurement/requests/",
        "/api/v1/procurement/requests/{id}/quote/",
        "/api/v1/procurement/requests/{id}/evaluate/",
        "/api/v1/procurement/requests/{id}/award/",
        "/api/v1/procurement/requests/{id}/order-pdf/",
        "/api/v1/procurement/quotes/",
        "/api/v1/procurement/awards/",
    ):
        assert path in paths, path
    award = paths["/api/v1/procurement/requests/{id}/award/"]["post"]
    assert {"403", "409", "422"} <= set(award["responses"])
    assert "AwardInput" in str(award["requestBody"])


def test_request_list_filters_narrow_and_refuse_unreadable_values(tenant_a: Tenant, people: People) -> None:
    with tenant_a:
        draft = new_request(people, publish=False)
        published = new_request(people)
        past_deadline = closed_request(people, quoters=())
    staff, umkm = logged_in(tenant_a, people.staf), logged_in(tenant_a, people.umkm)

    def ids(client: Client, **params: str) -> set[int]:
        response = client.get("/api/v1/procurement/requests/", params)
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids(staff) == {draft.pk, published.pk, past_deadline.pk}
    assert ids(staff, status="draft") == {draft.pk}
    assert ids(umkm) == {published.pk, past_deadline.pk}
    assert ids(umkm, open_for_me="true") == ids(umkm, open_for_me="1") == {published.pk}
    assert ids(umkm, open_for_me="false") == {published.pk, past_deadline.pk}
    for bad in ({"status": "semua"}, {"open_for_me": "ya"}):
        assert_refused(umkm.get("/api/v1/procurement/requests/", bad), *bad)
