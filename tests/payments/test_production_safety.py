"""The attack, under production-like settings: nobody settles a charge except by a notification
signed with the configured Midtrans server key AND confirmed by the gateway's status API.

Settings are what production has (DEBUG off, PAYMENTS_GATEWAY=midtrans, no staging flag), with
MIDTRANS_BASE_URL pointing at a small fake Midtrans on 127.0.0.1 that answers the Core API like
the real one: POST /v2/charge, GET /v2/<order_id>/status (signed with the server key), HTTP
Basic auth with the server key.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any, ClassVar

import pytest
from django.test import Client, override_settings

from apps.core.errors import NotFound
from apps.payments import intake, services
from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, MidtransGateway, get_gateway, signature_key
from apps.payments.models import Account, GatewayCharge, GatewayNotification, JournalEntry
from apps.sandbox.models import SandboxTransaction
from tests.payments.conftest import People, balances

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/gateway/notifications/"
SERVER_KEY = "Mid-server-kotakita-test-0123456789"
CLIENT_KEY = "Mid-client-kotakita-test-0123456789"
AMOUNT = 100_000_000  # the Rp100.000.000 the warga "paid" himself


class FakeMidtrans(BaseHTTPRequestHandler):
    """What Midtrans knows about each order; the test sets `orders[order_id]` to play the payer."""

    orders: ClassVar[dict[str, dict[str, Any]]] = {}
    sign_with: ClassVar[str] = SERVER_KEY
    calls: ClassVar[list[str]] = []

    def _answer(self, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(200)  # Midtrans puts the real status in the body's status_code
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _authorised(self) -> bool:
        expected = "Basic " + base64.b64encode(f"{SERVER_KEY}:".encode()).decode()
        if self.headers.get("Authorization") != expected:
            self._answer({"status_code": "401", "status_message": "Unknown Merchant server_key/id"})
            return False
        return True

    def do_POST(self) -> None:
        FakeMidtrans.calls.append(f"POST {self.path}")
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if not self._authorised():
            return
        details = body["transaction_details"]
        order = {"status": "pending", "gross": f"{details['gross_amount']}.00"}
        FakeMidtrans.orders[details["order_id"]] = order
        self._answer(
            {
                "status_code": "201",
                "status_message": "QRIS transaction is created",
                "transaction_id": f"mt-{details['order_id']}",
                "order_id": details["order_id"],
                "gross_amount": order["gross"],
                "payment_type": "qris",
                "transaction_status": "pending",
                "fraud_status": "accept",
                "qr_string": "00020101021226620014COM.GO-JEK.WWW0118936009140000000000",
            }
        )

    def do_GET(self) -> None:
        FakeMidtrans.calls.append(f"GET {self.path}")
        if not self._authorised():
            return
        order_id = self.path.removeprefix("/v2/").removesuffix("/status")
        order = FakeMidtrans.orders.get(order_id)
        if order is None:
            self._answer({"status_code": "404", "status_message": "Transaction doesn't exist."})
            return
        code = "201" if order["status"] == "pending" else "200"
        self._answer(
            {
                "status_code": code,
                "status_message": "Success, transaction is found",
                "transaction_id": f"mt-{order_id}",
                "order_id": order_id,
                "gross_amount": order["gross"],
                "currency": "IDR",
                "payment_type": "qris",
                "transaction_status": order["status"],
                "fraud_status": "accept",
                "signature_key": signature_key(order_id, code, order["gross"], FakeMidtrans.sign_with),
            }
        )

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def production(people: People) -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeMidtrans)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeMidtrans.orders, FakeMidtrans.calls, FakeMidtrans.sign_with = {}, [], SERVER_KEY
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with override_settings(
            DEBUG=False,
            PAYMENTS_GATEWAY="midtrans",
            MIDTRANS_SERVER_KEY=SERVER_KEY,
            MIDTRANS_CLIENT_KEY=CLIENT_KEY,
            MIDTRANS_IS_PRODUCTION=True,
            MIDTRANS_BASE_URL=base,
            PAYMENTS_ALLOW_SANDBOX=False,
            PAYMENTS_SANDBOX_SERVER_KEY="",
        ):
            yield base
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def joko(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(people.joko)
    return client


@pytest.fixture
def top_up(production: str, joko: Client, people: People) -> GatewayCharge:
    """The warga asks for a big top-up through the page, as in the attack."""
    response = joko.post("/dompet/isi-saldo/", {"amount": str(AMOUNT)})
    assert response.status_code == 302
    charge = GatewayCharge.objects.get(wallet=people.joko_wallet)
    assert charge.gateway == "midtrans" and charge.status == "pending"
    assert FakeMidtrans.orders[charge.order_id]["status"] == "pending"
    return charge


def notification(order_id: str, status: str, *, server_key: str = SERVER_KEY, gross: int = AMOUNT) -> dict[str, Any]:
    code = "201" if status == "pending" else "200"
    gross_text = f"{gross}.00"
    return {
        "transaction_time": "2026-12-05 23:00:00",
        "transaction_status": status,
        "transaction_id": f"mt-{order_id}",
        "status_message": "midtrans payment notification",
        "status_code": code,
        "signature_key": signature_key(order_id, code, gross_text, server_key),
        "payment_type": "qris",
        "order_id": order_id,
        "gross_amount": gross_text,
        "fraud_status": "accept",
        "currency": "IDR",
    }


def post(client: Client, body: Any) -> Any:
    return client.post(URL, body if isinstance(body, bytes) else json.dumps(body), content_type="application/json")


def snapshot() -> tuple[dict[str, int], int, int]:
    return balances(), JournalEntry.objects.count(), GatewayNotification.objects.count()


def wallet_balance(people: People) -> int:
    return Account.objects.get(pk=people.joko_wallet.pk).balance


def test_the_gateway_is_midtrans_and_the_sandbox_does_not_exist(production: str) -> None:
    gateway = get_gateway()
    assert isinstance(gateway, MidtransGateway) and gateway.server_key == SERVER_KEY
    with pytest.raises(NotFound):
        services.sandbox_gateway()
    with override_settings(MIDTRANS_BASE_URL=""):
        live = get_gateway()
        assert isinstance(live, MidtransGateway) and live.base_url == "https://api.midtrans.com"
        with override_settings(MIDTRANS_IS_PRODUCTION=False):
            trial = get_gateway()
            assert isinstance(trial, MidtransGateway) and trial.base_url == "https://api.sandbox.midtrans.com"


def test_a_signed_in_warga_cannot_reach_any_sandbox_pay_path(
    joko: Client, people: People, top_up: GatewayCharge, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    before = snapshot()
    with django_capture_on_commit_callbacks(execute=True):
        assert joko.get("/dompet/sandbox/").status_code == 404
        assert joko.get("/dompet/sandbox/", {"qr": top_up.qr_string}).status_code == 404
        assert joko.post("/dompet/sandbox/", {"payload": top_up.qr_string, "action": "pay"}).status_code == 404
        with pytest.raises(NotFound):
            services.sandbox_pay(top_up.order_id, actor=people.joko)
    page = joko.get(f"/dompet/isi-saldo/{top_up.order_id}/").content.decode()
    assert "/dompet/sandbox/" not in page and 'data-testid="sandbox-banner"' not in page
    assert snapshot() == before and not SandboxTransaction.objects.exists()
    assert wallet_balance(people) == 0


def test_a_notification_signed_with_the_sources_sandbox_key_is_refused(
    client_a: Client, people: People, top_up: GatewayCharge, caplog: pytest.LogCaptureFixture
) -> None:
    FakeMidtrans.orders[top_up.order_id]["status"] = "settlement"  # even if it were paid
    before = snapshot()
    forged = notification(top_up.order_id, "settlement", server_key=DEFAULT_SANDBOX_SERVER_KEY)
    response = post(client_a, forged)
    assert response.status_code == 403 and response.json()["error"]["code"] == "invalid_signature"
    assert snapshot() == before and wallet_balance(people) == 0  # not stored, nothing moved
    assert any(f"order_id={top_up.order_id}" in r.getMessage() and "sha256=" in r.getMessage() for r in caplog.records)
    assert not any(c.startswith("GET") for c in FakeMidtrans.calls)  # forged: the gateway is not even asked


def test_a_signed_notification_the_gateway_does_not_confirm_moves_no_money(
    client_a: Client, people: People, top_up: GatewayCharge
) -> None:
    before = balances(), JournalEntry.objects.count()
    response = post(client_a, notification(top_up.order_id, "settlement"))  # gateway still says pending
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    assert f"GET /v2/{top_up.order_id}/status" in FakeMidtrans.calls
    assert (balances(), JournalEntry.objects.count()) == before and wallet_balance(people) == 0
    top_up.refresh_from_db()
    assert top_up.status == "pending" and top_up.settlement_entry is None


def test_a_status_answer_signed_with_another_key_moves_no_money(
    client_a: Client, people: People, top_up: GatewayCharge
) -> None:
    FakeMidtrans.orders[top_up.order_id]["status"] = "settlement"
    FakeMidtrans.sign_with = DEFAULT_SANDBOX_SERVER_KEY  # someone answering in Midtrans' place
    before = balances(), JournalEntry.objects.count()
    response = post(client_a, notification(top_up.order_id, "settlement"))
    assert response.status_code == 503  # the gateway will notify again; nothing applied
    assert (balances(), JournalEntry.objects.count()) == before and wallet_balance(people) == 0


def test_an_unreachable_gateway_moves_no_money(client_a: Client, people: People, top_up: GatewayCharge) -> None:
    before = balances(), JournalEntry.objects.count()
    with override_settings(MIDTRANS_BASE_URL="http://127.0.0.1:9"):
        response = post(client_a, notification(top_up.order_id, "settlement"))
    assert response.status_code == 503
    assert (balances(), JournalEntry.objects.count()) == before and wallet_balance(people) == 0


def test_only_signed_and_confirmed_settles_and_only_once(
    client_a: Client, people: People, top_up: GatewayCharge
) -> None:
    FakeMidtrans.orders[top_up.order_id]["status"] = "settlement"  # the payer's bank really paid
    first = post(client_a, notification(top_up.order_id, "settlement"))
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    assert wallet_balance(people) == AMOUNT
    entries = JournalEntry.objects.count()
    for _ in range(2):  # Midtrans retries; an attacker replays
        again = post(client_a, notification(top_up.order_id, "settlement"))
        assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert wallet_balance(people) == AMOUNT and JournalEntry.objects.count() == entries
    assert list(GatewayNotification.objects.values_list("outcome", flat=True).order_by("id")) == [
        "applied",
        "duplicate",
        "duplicate",
    ]


def test_confirmation_cannot_be_switched_off_for_a_real_gateway(
    client_a: Client, people: People, top_up: GatewayCharge
) -> None:
    with override_settings(PAYMENTS_CONFIRM_NOTIFICATIONS=False):
        response = post(client_a, notification(top_up.order_id, "settlement"))
    assert response.json()["outcome"] == "duplicate"  # the gateway was still asked: pending
    assert wallet_balance(people) == 0


def test_a_huge_body_is_refused_before_it_is_read_and_never_stored(
    client_a: Client, people: People, top_up: GatewayCharge
) -> None:
    before = snapshot()
    padded = notification(top_up.order_id, "settlement") | {"custom_field1": "x" * (intake.MAX_NOTIFICATION_BYTES + 1)}
    response = post(client_a, padded)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    forged_junk = post(client_a, {"order_id": top_up.order_id, "junk": "y" * 60_000})
    assert forged_junk.status_code == 422
    assert snapshot() == before


def test_the_notification_endpoint_takes_its_scoped_rate_once_one_is_configured(
    client_a: Client, people: People, top_up: GatewayCharge, settings: Any
) -> None:
    from django.core.cache import cache

    cache.clear()
    rates = {**settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}), intake.THROTTLE_SCOPE: "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    codes = [post(client_a, notification(top_up.order_id, "pending")).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    cache.clear()
