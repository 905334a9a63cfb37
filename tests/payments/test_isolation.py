"""Tenant isolation for every KotaKitaPay model, the API and the pages."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.db import connection
from django.test import Client

from apps.accounts.models import User
from apps.payments import services
from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, signature_key
from apps.payments.models import (
    Account,
    GatewayCharge,
    GatewayNotification,
    JournalEntry,
    PaymentRequest,
    Posting,
    ReconciliationMismatch,
    ReconciliationRun,
)
from apps.payments.reconciliation import reconcile
from apps.sandbox.models import SandboxTransaction
from apps.tenancy.models import Tenant
from tests.payments.conftest import People, fund, key, make_people

pytestmark = pytest.mark.django_db


@dataclass
class WrittenInA:
    people: People
    entry: JournalEntry
    bill: PaymentRequest
    charge: GatewayCharge
    run: ReconciliationRun
    marker: str


@pytest.fixture
def written_in_a(tenant_a: Tenant) -> WrittenInA:
    marker = uuid.uuid4().hex
    with tenant_a:
        people = make_people()
        fund(people.joko_wallet, 80_000)
        entry = services.pay(people.joko_wallet, people.shop, 20_000, 60, f"order:{marker}", key())
        bill = services.create_payment_request(people.shop, 12_000, reference=marker, actor=people.sri)
        charge = services.start_top_up(people.joko_wallet, 33_000)
        GatewayNotification.objects.create(order_id=charge.order_id, outcome="rejected", reason=marker)
        run = reconcile(triggered_by=marker, ask_gateway=False)
        ReconciliationMismatch.objects.create(run=run, kind="ledger_total", reference=marker)
    return WrittenInA(people, entry, bill, charge, run, marker)


def test_every_payments_model_written_in_a_is_invisible_in_b(written_in_a: WrittenInA, tenant_b: Tenant) -> None:
    a = written_in_a
    with tenant_b:
        assert not Account.objects.filter(public_id=a.people.joko_wallet.public_id).exists()
        assert not Account.objects.filter(code=a.people.shop.code).exists()
        assert not JournalEntry.objects.filter(public_id=a.entry.public_id).exists()
        assert not Posting.objects.filter(entry__public_id=a.entry.public_id).exists()
        assert not PaymentRequest.objects.filter(public_id=a.bill.public_id).exists()
        assert not GatewayCharge.objects.filter(order_id=a.charge.order_id).exists()
        assert not SandboxTransaction.objects.filter(order_id=a.charge.order_id).exists()
        assert not GatewayNotification.objects.filter(reason=a.marker).exists()
        assert not ReconciliationRun.objects.filter(triggered_by=a.marker).exists()
        assert not ReconciliationMismatch.objects.filter(reference=a.marker).exists()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM payments_journalentry WHERE reference = %s", [f"order:{a.marker}"])
            assert cursor.fetchone()[0] == 0


def test_payments_tables_exist_only_in_tenant_schemas(tenant_a: Tenant) -> None:
    tables = {m._meta.db_table for m in apps.get_app_config("payments").get_models()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")
        public = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = %s", [tenant_a.schema_name]
        )
        tenant = {row[0] for row in cursor.fetchall()}
    assert tables <= tenant and not tables & public


def test_api_of_b_cannot_reach_a(written_in_a: WrittenInA, tenant_a: Tenant, tenant_b: Tenant) -> None:
    a = written_in_a
    with tenant_b:
        thief = User.objects.get(username="warga-pandean")
        services.ensure_wallet(thief)
        fund(services.ensure_wallet(thief), 50_000)
        client = Client(HTTP_HOST="pandean.localhost")
        client.force_login(thief)
    api = "/api/v1/payments"
    wallet_a = str(a.people.joko_wallet.public_id)
    assert client.get(f"{api}/accounts/{wallet_a}/").status_code == 404
    assert client.get(f"{api}/accounts/{wallet_a}/statement/").status_code == 404
    steal = client.post(
        f"{api}/transfers/",
        {"to_account": wallet_a, "amount": 1_000},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="t1",
    )
    assert steal.status_code == 422 and steal.json()["error"]["code"] == "unknown_account"
    pay = client.post(
        f"{api}/payments/",
        {"merchant_account": str(a.people.shop.public_id), "amount": 1_000},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="t2",
    )
    assert pay.status_code == 422
    assert client.get(f"{api}/payment-requests/{a.bill.public_id}/").status_code == 404
    pay_bill = client.post(
        f"{api}/payment-requests/{a.bill.public_id}/pay/",
        {"method": "wallet"},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="t3",
    )
    assert pay_bill.status_code == 404
    refund = client.post(
        f"{api}/refunds/",
        {"entry": str(a.entry.public_id), "amount": 100},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="t4",
    )
    assert refund.status_code == 422
    assert client.get(f"{api}/topups/{a.charge.order_id}/").status_code == 404
    # A validly signed notification for A's order, sent to B's site, finds nothing there.
    body = {
        "order_id": a.charge.order_id,
        "status_code": "200",
        "gross_amount": "33000.00",
        "transaction_status": "settlement",
        "signature_key": signature_key(a.charge.order_id, "200", "33000.00", DEFAULT_SANDBOX_SERVER_KEY),
    }
    notified = Client(HTTP_HOST="pandean.localhost").post(
        f"{api}/gateway/notifications/", json.dumps(body), content_type="application/json"
    )
    assert notified.status_code == 404
    # pages too
    assert client.get(f"/dompet/akun/{wallet_a}/").status_code == 404
    assert client.get(f"/dompet/tagihan/{a.bill.public_id}/").status_code == 404
    assert client.get(f"/dompet/toko/{a.people.shop.public_id}/").status_code == 404
    with tenant_a:
        a.people.joko_wallet.refresh_from_db()
        assert a.people.joko_wallet.balance == 80_000 - 20_000
        assert GatewayCharge.objects.get(pk=a.charge.pk).status == "pending"
        assert PaymentRequest.objects.get(pk=a.bill.pk).status == "open"
