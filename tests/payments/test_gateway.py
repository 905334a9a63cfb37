"""Gateway notifications (Midtrans-signed), the sandbox gateway, charges and the HTTP adapter."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.test import Client

from apps.core.errors import Conflict
from apps.payments import services
from apps.payments.gateways import (
    DEFAULT_SANDBOX_SERVER_KEY,
    ChargeRequest,
    GatewayError,
    MidtransGateway,
    signature_key,
)
from apps.payments.models import (
    ChargeStatus,
    EntryKind,
    GatewayCharge,
    GatewayNotification,
    JournalEntry,
    PaymentRequest,
)
from apps.payments.qris import Merchant, parse
from apps.payments.reconciliation import reconcile
from apps.sandbox.models import SandboxTransaction
from apps.tenancy.models import Tenant
from tests.payments.conftest import People, balances, fund, key

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/gateway/notifications/"
Capture = Callable[..., Any]


def signed(order_id: str, status: str, gross: int, *, code: str = "", server_key: str = "", **extra: Any) -> dict:
    code = code or ("201" if status == "pending" else "200")
    gross_text = f"{gross}.00"
    return {
        "transaction_time": "2026-04-28 10:00:00",
        "transaction_status": status,
        "transaction_id": "tx-1",
        "status_code": code,
        "signature_key": signature_key(order_id, code, gross_text, server_key or DEFAULT_SANDBOX_SERVER_KEY),
        "payment_type": "qris",
        "order_id": order_id,
        "gross_amount": gross_text,
        "fraud_status": "accept",
        "currency": "IDR",
        **extra,
    }


def post(client: Client, body: Any) -> Any:
    return client.post(URL, json.dumps(body) if not isinstance(body, bytes) else body, content_type="application/json")


def settle_at_sandbox(order_id: str) -> None:
    SandboxTransaction.objects.filter(order_id=order_id).update(status=ChargeStatus.SETTLEMENT)


@pytest.fixture
def topup(people: People) -> GatewayCharge:
    return services.start_top_up(people.joko_wallet, 145_000, actor=people.joko)


def test_signature_is_sha512_of_order_status_gross_and_key() -> None:
    raw = "ORDER-1" + "200" + "145000.00" + "server-key"
    assert signature_key("ORDER-1", "200", "145000.00", "server-key") == hashlib.sha512(raw.encode()).hexdigest()


def test_top_up_charge_carries_a_dynamic_qris(topup: GatewayCharge) -> None:
    assert topup.status == ChargeStatus.PENDING and topup.gateway == "sandbox"
    parsed = parse(topup.qr_string)
    assert parsed.is_dynamic and parsed.amount == 145_000 and parsed.bill_number == topup.order_id
    assert len(topup.order_id) <= 25 and topup.order_id.startswith("TU-3577031001-")


def test_settlement_notification_credits_the_wallet_once(
    client_a: Client, people: People, topup: GatewayCharge
) -> None:
    settle_at_sandbox(topup.order_id)
    body = signed(topup.order_id, "settlement", 145_000)
    first = post(client_a, body)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    again = post(client_a, body)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 145_000
    assert JournalEntry.objects.filter(kind=EntryKind.TOP_UP).count() == 1
    topup.refresh_from_db()
    assert topup.status == ChargeStatus.SETTLEMENT and topup.settlement_entry is not None
    assert list(GatewayNotification.objects.order_by("id").values_list("outcome", flat=True)) == [
        "applied",
        "duplicate",
    ]


def test_forged_signature_is_rejected_logged_and_changes_nothing(
    client_a: Client, people: People, topup: GatewayCharge, caplog: pytest.LogCaptureFixture
) -> None:
    settle_at_sandbox(topup.order_id)
    before = balances()
    forged = signed(topup.order_id, "settlement", 145_000, server_key="not-the-key")
    response = post(client_a, forged)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "invalid_signature"
    tampered = signed(topup.order_id, "settlement", 145_000) | {"gross_amount": "1450000.00"}
    assert post(client_a, tampered).status_code == 403
    assert balances() == before
    topup.refresh_from_db()
    assert topup.status == ChargeStatus.PENDING and topup.settlement_entry is None
    # Anonymous forged bodies are never stored; the log keeps their digest, not their content.
    assert not GatewayNotification.objects.exists()
    refused = [r.getMessage() for r in caplog.records if "gateway notification refused" in r.getMessage()]
    assert len(refused) == 2
    digest = hashlib.sha256(json.dumps(forged).encode()).hexdigest()
    assert f"sha256={digest}" in refused[0] and f"order_id={topup.order_id}" in refused[0]
    assert forged["signature_key"] not in " ".join(refused)


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 422),
        (b"", 422),
        ([1, 2, 3], 422),
        ({"order_id": "X"}, 422),
        ({"order_id": "X", "status_code": "200", "gross_amount": "1.00", "signature_key": "a"}, 422),
    ],
)
def test_malformed_notifications_are_rejected_and_logged(
    client_a: Client, in_a: Tenant, body: Any, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    response = post(client_a, body)
    assert response.status_code == status
    assert response.json()["error"]["code"] == "malformed_notification"
    assert not GatewayNotification.objects.exists()  # unsigned: logged as a digest only
    assert any("refused (malformed_notification): sha256=" in r.getMessage() for r in caplog.records)


def test_unknown_status_unknown_order_and_wrong_amount(client_a: Client, topup: GatewayCharge) -> None:
    assert post(client_a, signed(topup.order_id, "paid", 145_000)).status_code == 422
    assert post(client_a, signed("NO-SUCH-ORDER", "settlement", 145_000)).status_code == 404
    wrong = post(client_a, signed(topup.order_id, "settlement", 1_000))
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "amount_mismatch"
    assert GatewayNotification.objects.filter(outcome="rejected").count() == 3
    assert not JournalEntry.objects.exists()


def test_settlement_before_pending_ends_in_settlement(
    client_a: Client, people: People, topup: GatewayCharge, settings: Any
) -> None:
    settings.PAYMENTS_CONFIRM_NOTIFICATIONS = False  # take the notifications as they come
    assert post(client_a, signed(topup.order_id, "settlement", 145_000)).json()["outcome"] == "applied"
    late = post(client_a, signed(topup.order_id, "pending", 145_000))
    assert late.status_code == 200 and late.json()["outcome"] == "stale"
    topup.refresh_from_db()
    assert topup.status == ChargeStatus.SETTLEMENT
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 145_000


def test_settlement_before_pending_with_gateway_confirmation(
    client_a: Client, people: People, topup: GatewayCharge
) -> None:
    settle_at_sandbox(topup.order_id)
    post(client_a, signed(topup.order_id, "settlement", 145_000))
    late = post(client_a, signed(topup.order_id, "pending", 145_000))
    assert late.status_code == 200 and late.json()["outcome"] in ("duplicate", "stale")
    topup.refresh_from_db()
    assert topup.status == ChargeStatus.SETTLEMENT
    assert JournalEntry.objects.filter(kind=EntryKind.TOP_UP).count() == 1


def test_the_gateways_status_wins_over_the_notification(client_a: Client, people: People, topup: GatewayCharge) -> None:
    # Correctly signed, but the gateway (asked with check status) says it is still pending.
    response = post(client_a, signed(topup.order_id, "settlement", 145_000))
    assert response.status_code == 200 and response.json()["outcome"] == "duplicate"
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 0
    assert "confirmed by gateway: pending" in GatewayNotification.objects.get().reason


def test_only_forward_moves(client_a: Client, topup: GatewayCharge, settings: Any) -> None:
    settings.PAYMENTS_CONFIRM_NOTIFICATIONS = False
    assert post(client_a, signed(topup.order_id, "expire", 145_000)).json()["outcome"] == "applied"
    assert post(client_a, signed(topup.order_id, "settlement", 145_000)).json()["outcome"] == "stale"
    assert post(client_a, signed(topup.order_id, "pending", 145_000)).json()["outcome"] == "stale"
    topup.refresh_from_db()
    assert topup.status == ChargeStatus.EXPIRE and topup.settlement_entry is None


def test_sandbox_bank_app_pays_and_notifies(
    people: People, topup: GatewayCharge, django_capture_on_commit_callbacks: Capture
) -> None:
    parsed, tx = services.sandbox_payment_for(topup.qr_string)
    assert parsed.amount == 145_000 and tx.order_id == topup.order_id
    with django_capture_on_commit_callbacks(execute=True):
        services.sandbox_pay(topup.order_id)
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 145_000
    log = GatewayNotification.objects.get()
    assert log.signature_valid and log.outcome == "applied" and log.transaction_status == "settlement"


def test_a_payment_request_paid_by_qris(people: People, django_capture_on_commit_callbacks: Capture) -> None:
    request = services.create_payment_request(people.shop, 25_000, description="Pecel 2 porsi", actor=people.sri)
    charge = GatewayCharge.objects.get(payment_request=request)
    assert charge.order_id == request.bill_number and request.qris_payload == charge.qr_string
    assert parse(request.qris_payload).merchant_name == "Pecel Madiun Bu Sri"
    with django_capture_on_commit_callbacks(execute=True):
        services.sandbox_pay(request.bill_number)
    request.refresh_from_db()
    people.shop.refresh_from_db()
    assert request.status == PaymentRequest.Status.PAID and request.paid_method == "qris"
    fee = services.fee_for(25_000)
    assert people.shop.balance == 25_000 - fee and services.platform_fee_account().balance == fee
    assert services.gateway_clearing_account().balance == -25_000

    # The merchant refunds part of it: ledger first, then the gateway (after commit).
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_payment_request(request, 10_000, idempotency_key=key(), actor=people.sri)
    request.refresh_from_db()
    charge.refresh_from_db()
    assert request.refunded_amount == 10_000 and charge.refunded_amount == 10_000
    sandbox = SandboxTransaction.objects.get(order_id=request.bill_number)
    assert sandbox.status == ChargeStatus.PARTIAL_REFUND and sandbox.refunded_amount == 10_000
    assert charge.status == ChargeStatus.PARTIAL_REFUND  # taken over from the gateway, nothing booked twice
    assert reconcile(triggered_by="test").status == "ok"
    # The gateway's partial_refund notification does not book it a second time.
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_notification(signed(request.bill_number, "partial_refund", 25_000, refund_amount="10000.00"))
    assert JournalEntry.objects.filter(kind=EntryKind.REFUND).count() == 1


def test_paying_by_wallet_cancels_the_open_qris_charge(
    people: People, django_capture_on_commit_callbacks: Capture
) -> None:
    fund(people.joko_wallet, 50_000)
    request = services.create_payment_request(people.shop, 20_000, actor=people.sri)
    k = key()
    with django_capture_on_commit_callbacks(execute=True):
        entry = services.pay_request_with_wallet(request, people.joko, idempotency_key=k)
    assert services.pay_request_with_wallet(request, people.joko, idempotency_key=k).pk == entry.pk
    with pytest.raises(Conflict):
        services.pay_request_with_wallet(request, people.andi, idempotency_key=key())
    charge = GatewayCharge.objects.get(payment_request=request)
    assert charge.status == ChargeStatus.CANCEL
    assert SandboxTransaction.objects.get(order_id=request.bill_number).status == ChargeStatus.CANCEL


def test_gateway_refund_of_a_top_up_reverses_it_or_flags_it(
    client_a: Client, people: People, topup: GatewayCharge, settings: Any
) -> None:
    settings.PAYMENTS_CONFIRM_NOTIFICATIONS = False
    post(client_a, signed(topup.order_id, "settlement", 145_000))
    partial = post(client_a, signed(topup.order_id, "partial_refund", 145_000, refund_amount="45000.00"))
    assert partial.json()["outcome"] == "applied"
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 100_000
    services.transfer(people.joko_wallet, people.andi_wallet, 100_000, idempotency_key=key())
    full = post(client_a, signed(topup.order_id, "refund", 145_000))
    assert full.json()["outcome"] == "applied"
    topup.refresh_from_db()
    assert topup.status == ChargeStatus.REFUND
    assert "tidak cukup" in topup.needs_attention  # the wallet was already spent: flagged
    assert JournalEntry.objects.filter(kind=EntryKind.REVERSAL).count() == 1
    run = reconcile(triggered_by="test", ask_gateway=False)
    assert list(run.mismatches.values_list("kind", "reference")) == [("needs_attention", topup.order_id)]


class FakeMidtrans(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]] = []

    def _answer(self, code: int, body: dict[str, Any]) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        body = json.loads(self.rfile.read(length) or b"{}")
        FakeMidtrans.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        if self.path == "/v2/charge":
            order = body["transaction_details"]["order_id"]
            self._answer(
                200,
                {
                    "status_code": "201",
                    "transaction_status": "pending",
                    "order_id": order,
                    "gross_amount": f"{body['transaction_details']['gross_amount']}.00",
                    "transaction_id": "mt-1",
                    "qr_string": "00020101021226...",
                },
            )
        elif self.path.endswith("/refund"):
            self._answer(
                200,
                {
                    "status_code": "200",
                    "transaction_status": "partial_refund",
                    "order_id": "A",
                    "gross_amount": "5000.00",
                    "refund_amount": "1000.00",
                },
            )
        else:
            self._answer(500, {"status_code": "500", "status_message": "boom"})

    def do_GET(self) -> None:
        FakeMidtrans.seen.append({"path": self.path, "headers": dict(self.headers)})
        if "MISSING" in self.path:
            self._answer(200, {"status_code": "404", "status_message": "Transaction doesn't exist."})
        else:
            self._answer(
                200,
                {
                    "status_code": "200",
                    "transaction_status": "settlement",
                    "order_id": "A",
                    "gross_amount": "5000.00",
                    "fraud_status": "accept",
                },
            )

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def midtrans() -> Iterator[str]:
    server = HTTPServer(("127.0.0.1", 0), FakeMidtrans)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeMidtrans.seen = []
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()


def test_midtrans_adapter_speaks_the_core_api(midtrans: str) -> None:
    gateway = MidtransGateway(midtrans, "SB-Mid-server-abc")
    merchant = Merchant(name="Toko", city="MADIUN", nmid="ID1", guid="ID.CO.X.WWW", pan="936", merchant_id="M1")
    created = gateway.create_charge(
        ChargeRequest("A", 5_000, merchant, "Pecel", notification_url="http://mojorejo.localhost/notif/")
    )
    assert (created.transaction_status, created.gross_amount, created.qr_string) == (
        "pending",
        5_000,
        "00020101021226...",
    )
    call = FakeMidtrans.seen[0]
    assert call["body"]["payment_type"] == "qris"
    assert call["body"]["transaction_details"] == {"order_id": "A", "gross_amount": 5_000}
    assert call["headers"]["Authorization"] == "Basic U0ItTWlkLXNlcnZlci1hYmM6"  # "SB-Mid-server-abc:"
    assert call["headers"]["X-Override-Notification"] == "http://mojorejo.localhost/notif/"
    status = gateway.check_status("A")
    assert status.transaction_status == "settlement" and status.fraud_status == "accept"
    assert FakeMidtrans.seen[-1]["path"] == "/v2/A/status"
    refunded = gateway.refund("A", 1_000, refund_key="r1", reason="rusak")
    assert refunded.refunded_amount == 1_000
    assert FakeMidtrans.seen[-1]["body"] == {"refund_key": "r1", "amount": 1_000, "reason": "rusak"}
    with pytest.raises(GatewayError):
        gateway.cancel("A")  # HTTP 500
    with pytest.raises(GatewayError):
        gateway.check_status("MISSING")  # 404 in the body
    with pytest.raises(GatewayError):
        MidtransGateway("http://127.0.0.1:9", "k", timeout=2).check_status("A")  # nothing listens


def test_sandbox_can_notify_over_http_like_a_real_gateway(
    people: People, topup: GatewayCharge, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import urllib.request

    from apps.payments.tasks import deliver_sandbox_notification

    settings.PAYMENTS_SANDBOX_NOTIFY_HTTP = True
    sent: list[Any] = []

    class Answer:
        def __enter__(self) -> Answer:
            return self

        def __exit__(self, *args: Any) -> None:
            return None

    def fake_urlopen(request: Any, timeout: float) -> Answer:
        sent.append(request)
        return Answer()

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    settle_at_sandbox(topup.order_id)
    deliver_sandbox_notification(topup.order_id)
    (request,) = sent
    assert request.full_url.endswith("mojorejo.localhost:8000/api/v1/payments/gateway/notifications/")
    body = json.loads(request.data)
    assert body["transaction_status"] == "settlement" and body["gross_amount"] == "145000.00"
    assert body["signature_key"] == signature_key(topup.order_id, "200", "145000.00", DEFAULT_SANDBOX_SERVER_KEY)
