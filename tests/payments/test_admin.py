"""Django admin: accounts, the read-only journal with its reversal action, logs, reconciliation."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.core.errors import DomainError
from apps.payments import services
from apps.payments.models import EntryKind, JournalEntry, ReconciliationRun
from tests.payments.conftest import People, fund, key

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(User.objects.get(username="admin"))
    return client


def test_every_payments_admin_page_opens(admin_client: Client, people: People) -> None:
    fund(people.joko_wallet, 10_000)
    entry = services.transfer(people.joko_wallet, people.andi_wallet, 1_000, idempotency_key=key())
    services.create_payment_request(people.shop, 5_000, actor=people.sri)
    with pytest.raises(DomainError):
        services.receive_notification({"order_id": "x"})  # a rejected notification in the log
    for model in (
        "account",
        "journalentry",
        "paymentrequest",
        "gatewaycharge",
        "gatewaynotification",
        "reconciliationrun",
    ):
        assert admin_client.get(f"/admin/payments/{model}/").status_code == 200, model
    assert admin_client.get("/admin/sandbox/sandboxtransaction/").status_code == 200
    page = admin_client.get(f"/admin/payments/journalentry/{entry.pk}/change/")
    assert page.status_code == 200 and entry.description in page.content.decode()
    assert admin_client.get("/admin/payments/journalentry/add/").status_code == 403
    assert admin_client.post(f"/admin/payments/journalentry/{entry.pk}/delete/").status_code == 403


def test_admin_reverses_an_entry_and_runs_reconciliation(admin_client: Client, people: People) -> None:
    fund(people.joko_wallet, 10_000)
    entry = services.transfer(people.joko_wallet, people.andi_wallet, 4_000, idempotency_key=key())
    response = admin_client.post(
        "/admin/payments/journalentry/", {"action": "reverse", "_selected_action": [entry.pk]}, follow=True
    )
    assert response.status_code == 200
    assert JournalEntry.objects.filter(kind=EntryKind.REVERSAL, reverses=entry).count() == 1
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 10_000
    ran = admin_client.post("/admin/payments/reconciliationrun/run/", follow=True)
    assert ran.status_code == 200
    assert ReconciliationRun.objects.get().status == "ok"
    assert "Jalankan rekonsiliasi sekarang" in admin_client.get("/admin/payments/reconciliationrun/").content.decode()


def test_account_admin_edits_name_only_never_the_balance(admin_client: Client, people: People) -> None:
    fund(people.joko_wallet, 3_000)
    url = f"/admin/payments/account/{people.joko_wallet.pk}/change/"
    response = admin_client.post(url, {"name": "Dompet Pak Joko", "is_active": "on", "balance": "999999"})
    assert response.status_code == 302
    people.joko_wallet.refresh_from_db()
    assert (people.joko_wallet.name, people.joko_wallet.balance) == ("Dompet Pak Joko", 3_000)
