"""A bill's description and reference, a transfer's note and a payout's destination are refused
when too long (API, pages, service), never cut, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.core.errors import ValidationFailed
from apps.payments import services
from apps.payments.models import EntryKind, JournalEntry, PaymentRequest
from tests.payments.conftest import People, fund

pytestmark = pytest.mark.django_db

API = "/api/v1/payments"


@pytest.fixture
def sri(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(people.sri)
    return client


@pytest.fixture
def joko(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(people.joko)
    return client


def test_payment_request_with_a_too_long_description_is_refused_by_the_api(sri: Client, people: People) -> None:
    body = {"merchant_account": str(people.shop.public_id), "amount": 24_000, "description": "x" * 256}
    refused = sri.post(f"{API}/payment-requests/", body, content_type="application/json")
    assert 400 <= refused.status_code < 500
    assert not PaymentRequest.objects.exists()


@pytest.mark.parametrize(("field", "value"), [("description", "x" * 256), ("reference", "r" * 101)])
def test_create_payment_request_refuses_too_long_text_before_writing(people: People, field: str, value: str) -> None:
    with pytest.raises(ValidationFailed) as refused:
        text: dict[str, Any] = {field: value}
        services.create_payment_request(people.shop, 10_000, actor=people.sri, **text)
    assert refused.value.code == "too_long" and refused.value.details["field"] == field
    assert not PaymentRequest.objects.exists()


def test_shop_page_refuses_a_too_long_bill_description(sri: Client, people: People) -> None:
    sent = {"amount": "15.000", "description": "x" * 256}
    response = sri.post(f"/dompet/toko/{people.shop.public_id}/tagih/", sent)
    assert response.status_code == 422 and "Paling banyak 255 huruf." in response.content.decode()
    assert not PaymentRequest.objects.exists()


def test_transfer_page_refuses_a_too_long_note(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 100_000)
    sent = {"to_username": "andi", "amount": "5.000", "idempotency_key": "long-note", "description": "x" * 201}
    response = joko.post("/dompet/kirim/", sent)
    assert response.status_code == 422 and "Paling banyak 200 huruf." in response.content.decode()
    assert not JournalEntry.objects.filter(kind=EntryKind.TRANSFER).exists()


def test_payout_page_refuses_a_too_long_destination(sri: Client, people: People) -> None:
    sent = {"amount": "5.000", "idempotency_key": "long-dest", "destination": "BCA " + "9" * 100}
    response = sri.post(f"/dompet/toko/{people.shop.public_id}/tarik/", sent)
    assert response.status_code == 422 and "Paling banyak 100 huruf." in response.content.decode()
    assert not JournalEntry.objects.filter(kind=EntryKind.PAYOUT).exists()


def test_shop_page_refuses_a_too_long_shop_name(sri: Client, people: People) -> None:
    shops = list(type(people.shop).objects.values_list("pk", flat=True))
    response = sri.post("/dompet/toko/", {"name": "Warung " + "x" * 94})
    assert response.status_code == 422 and "Paling banyak 100 huruf." in response.content.decode()
    assert list(type(people.shop).objects.values_list("pk", flat=True)) == shops
