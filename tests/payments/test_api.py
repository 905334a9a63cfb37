"""KotaKitaPay API: idempotent moves, clear 409/422 errors that change nothing, privacy."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.test import Client

from apps.payments import services
from apps.payments.models import EntryKind, JournalEntry, PaymentRequest
from tests.payments.conftest import People, balances, fund

pytestmark = pytest.mark.django_db
API = "/api/v1/payments"


def _post(client: Client, path: str, body: dict[str, Any], key: str | None = "k1") -> Any:
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    return client.post(f"{API}{path}", body, content_type="application/json", **headers)


@pytest.fixture
def joko(client_a: Client, people: People) -> Client:
    client_a.force_login(people.joko)
    return client_a


@pytest.fixture
def sri(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(people.sri)
    return client


def test_anonymous_gets_401(client_a: Client, people: People) -> None:
    assert client_a.get(f"{API}/accounts/").status_code == 401
    assert _post(client_a, "/transfers/", {"to_username": "andi", "amount": 1}).status_code == 401


def test_accounts_and_statement(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 40_000)
    accounts = joko.get(f"{API}/accounts/").json()["results"]
    assert [(a["kind"], a["balance"]) for a in accounts] == [("wallet", 40_000)]
    wallet_id = accounts[0]["id"]
    lines = joko.get(f"{API}/accounts/{wallet_id}/statement/").json()
    assert lines["count"] == 1 and lines["results"][0]["amount"] == 40_000
    assert lines["results"][0]["balance_after"] == 40_000
    assert joko.get(f"{API}/accounts/{people.andi_wallet.public_id}/").status_code == 404  # not his


def test_transfer_is_idempotent_per_key(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 40_000)
    first = _post(joko, "/transfers/", {"to_username": "andi", "amount": 15_000, "description": "arisan"})
    assert first.status_code == 201, first.json()
    again = _post(joko, "/transfers/", {"to_username": "andi", "amount": 15_000})
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    other = _post(joko, "/transfers/", {"to_username": "andi", "amount": 16_000})
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_conflict"
    assert JournalEntry.objects.filter(kind=EntryKind.TRANSFER).count() == 1
    # The sender sees his own posting and balance, never the recipient's balance.
    mine = first.json()["my_postings"]
    assert mine == [{"account": str(people.joko_wallet.public_id), "amount": -15_000, "balance_after": 25_000}]


@pytest.mark.parametrize(
    ("body", "key", "status", "code"),
    [
        ({"to_username": "andi", "amount": 0}, "a", 422, "invalid_amount"),
        ({"to_username": "andi", "amount": -500}, "b", 422, "invalid_amount"),
        ({"to_username": "andi", "amount": "lima ribu"}, "c", 422, "invalid_amount"),
        ({"to_username": "andi", "amount": 10.5}, "d", 422, "invalid_amount"),
        ({"to_username": "andi", "amount": 1_000}, None, 422, "idempotency_key_required"),
        ({"to_username": "tidak-ada", "amount": 1_000}, "e", 422, "unknown_user"),
        ({"to_account": str(uuid.uuid4()), "amount": 1_000}, "f", 422, "unknown_account"),
        ({"to_account": "bukan-uuid", "amount": 1_000}, "g", 422, "unknown_account"),
        ({"amount": 1_000}, "h", 422, "recipient_required"),
        ({"to_username": "andi", "amount": 50_001}, "i", 409, "insufficient_funds"),
        ({"to_username": "joko", "amount": 1_000}, "j", 422, "same_account"),
    ],
)
def test_bad_transfers_are_clear_errors_that_change_nothing(
    joko: Client, people: People, body: dict[str, Any], key: str | None, status: int, code: str
) -> None:
    fund(people.joko_wallet, 50_000)
    before = balances()
    response = _post(joko, "/transfers/", body, key=key)
    assert response.status_code == status, response.json()
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert balances() == before


def test_pay_a_merchant_directly(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 50_000)
    response = _post(joko, "/payments/", {"merchant_account": str(people.shop.public_id), "amount": 20_000})
    assert response.status_code == 201
    assert response.json()["fee"] == services.fee_for(20_000)
    unknown = _post(joko, "/payments/", {"merchant_account": str(people.andi_wallet.public_id), "amount": 1}, "x")
    assert unknown.status_code == 422 and unknown.json()["error"]["code"] == "unknown_account"


def test_bill_paid_from_the_wallet_then_refunded_by_the_merchant(joko: Client, sri: Client, people: People) -> None:
    fund(people.joko_wallet, 50_000)
    created = sri.post(
        f"{API}/payment-requests/",
        {"merchant_account": str(people.shop.public_id), "amount": 24_000, "description": "Pecel 3 porsi"},
        content_type="application/json",
    )
    assert created.status_code == 201, created.json()
    bill = created.json()
    assert bill["status"] == "open" and bill["qris_payload"].startswith("000201010212")
    assert [b["id"] for b in sri.get(f"{API}/payment-requests/").json()["results"]] == [bill["id"]]
    assert joko.get(f"{API}/payment-requests/").json()["results"] == []

    bad_method = _post(joko, f"/payment-requests/{bill['id']}/pay/", {"method": "bitcoin"}, "p0")
    assert bad_method.status_code == 422
    paid = _post(joko, f"/payment-requests/{bill['id']}/pay/", {"method": "wallet"}, "p1")
    assert paid.status_code == 200 and paid.json()["outcome"] == "paid", paid.json()
    assert _post(joko, f"/payment-requests/{bill['id']}/pay/", {"method": "wallet"}, "p1").status_code == 200
    twice = _post(joko, f"/payment-requests/{bill['id']}/pay/", {"method": "wallet"}, "p2")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_paid"
    assert _post(joko, f"/payment-requests/{bill['id']}/pay/", {"method": "qris"}, "p3").status_code == 409

    entry = paid.json()["paid_entry"]
    not_his = _post(joko, "/refunds/", {"entry": entry, "amount": 1_000}, "r0")
    assert not_his.status_code == 403
    refund = _post(sri, f"/payment-requests/{bill['id']}/refund/", {"amount": 4_000, "reason": "kurang sambal"}, "r1")
    assert refund.status_code == 201, refund.json()
    too_much = _post(sri, "/refunds/", {"entry": entry, "amount": 20_001}, "r2")
    assert too_much.status_code == 409 and too_much.json()["error"]["code"] == "over_refund"
    assert PaymentRequest.objects.get().refunded_amount == 4_000
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 50_000 - 24_000 + 4_000


def test_cash_on_delivery_and_qris_methods(joko: Client, sri: Client, people: People) -> None:
    bill = services.create_payment_request(people.shop, 10_000, actor=people.sri)
    qris = _post(joko, f"/payment-requests/{bill.public_id}/pay/", {"method": "qris"}, "q1").json()
    assert qris["outcome"] == "pending" and qris["qr_string"] == bill.qris_payload
    cod = _post(joko, f"/payment-requests/{bill.public_id}/pay/", {"method": "cod"}, "c1").json()
    assert cod["outcome"] == "awaiting_cash" and cod["status"] == "awaiting_cash"
    assert joko.post(f"{API}/payment-requests/{bill.public_id}/confirm-cash/").status_code == 403
    confirmed = sri.post(f"{API}/payment-requests/{bill.public_id}/confirm-cash/")
    assert confirmed.status_code == 200 and confirmed.json()["paid_method"] == "cod"
    assert not JournalEntry.objects.filter(kind=EntryKind.PAYMENT).exists()  # cash stays outside the ledger


def test_merchant_only_actions(joko: Client, sri: Client, people: People) -> None:
    assert _post(joko, "/accounts/merchant/", {"name": "Warung Joko"}).status_code == 403
    opened = sri.post(f"{API}/accounts/merchant/", {"name": "Jamu Bu Sri"}, content_type="application/json")
    assert opened.status_code == 201 and opened.json()["qris_payload"].startswith("000201010211")
    payout = _post(joko, "/payouts/", {"merchant_account": str(people.shop.public_id), "amount": 1_000})
    assert payout.status_code == 422  # not his shop
    created = joko.post(
        f"{API}/payment-requests/",
        {"merchant_account": str(people.shop.public_id), "amount": 5_000},
        content_type="application/json",
    )
    assert created.status_code == 422
    assert joko.get(f"{API}/reconciliation-runs/").status_code == 403


def test_top_up_by_qris(joko: Client, people: People) -> None:
    created = joko.post(f"{API}/topups/", {"amount": 75_000}, content_type="application/json")
    assert created.status_code == 201
    order = created.json()["order_id"]
    assert created.json()["status"] == "pending" and created.json()["qr_string"]
    assert joko.get(f"{API}/topups/{order}/").json()["gross_amount"] == 75_000
    bad = joko.post(f"{API}/topups/", {"amount": -1}, content_type="application/json")
    assert bad.status_code == 422


def test_openapi_schema_lists_the_payments_api(client_a: Client, in_a: object) -> None:
    schema = client_a.get("/api/v1/schema/", HTTP_ACCEPT="application/json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/payments/transfers/" in paths and "/api/v1/payments/gateway/notifications/" in paths
