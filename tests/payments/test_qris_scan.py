"""Scanning a QRIS (API and page): a good code opens its bill, a broken one answers 422 with the
codec's name for the fault; nothing is written either way."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.payments import qris, services
from apps.payments.models import PaymentRequest
from tests.payments.conftest import People

pytestmark = pytest.mark.django_db
URL = "/api/v1/payments/payment-requests/scan/"


@pytest.fixture
def joko(client_a: Client, people: People) -> Client:
    client_a.force_login(people.joko)
    return client_a


def _zero_length(payload: str) -> str:
    body = payload[:-8] + "6100" + "6304"  # an empty postal code: EMVCo lengths are 01-99
    return body + qris.crc_hex(body)


def test_a_bill_s_qris_opens_the_bill(joko: Client, people: People) -> None:
    bill = services.create_payment_request(people.shop, 12_500, actor=people.sri)
    answer = joko.post(URL, {"payload": bill.qris_payload}, content_type="application/json")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["id"] == str(bill.public_id) and answer.json()["amount"] == 12_500


@pytest.mark.parametrize(
    ("mangle", "code", "tag"),
    [
        (_zero_length, "qris_zero_length", "61"),
        (lambda p: p[:-4] + ("0000" if not p.endswith("0000") else "FFFF"), "qris_crc_mismatch", "63"),
        (lambda p: p[:40], "qris_truncated", "26"),
        (lambda p: "99X1" + p, "qris_bad_length", "99"),
    ],
)
def test_a_broken_qris_is_a_named_422(joko: Client, people: People, mangle, code: str, tag: str) -> None:  # type: ignore[no-untyped-def]
    bill = services.create_payment_request(people.shop, 12_500, actor=people.sri)
    before = PaymentRequest.objects.count()
    answer = joko.post(URL, {"payload": mangle(bill.qris_payload)}, content_type="application/json")
    assert answer.status_code == 422, answer.json()
    error = answer.json()["error"]
    assert error["code"] == code and error["details"]["tag"] == tag
    assert error["message"]
    english = joko.post(
        URL, {"payload": mangle(bill.qris_payload)}, content_type="application/json", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert english.json()["error"]["code"] == code
    assert PaymentRequest.objects.count() == before


def test_a_valid_qris_of_another_merchant_is_404(joko: Client, people: People) -> None:
    from tests.payments.test_qris import GOPAY_DYNAMIC_17K

    answer = joko.post(URL, {"payload": GOPAY_DYNAMIC_17K}, content_type="application/json")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "unknown_bill"


def test_missing_or_oversized_payload_is_422(joko: Client, people: People) -> None:
    assert joko.post(URL, {}, content_type="application/json").status_code == 422
    assert joko.post(URL, {"payload": "0" * 513}, content_type="application/json").status_code == 422


def test_anonymous_cannot_scan(client_a: Client, people: People) -> None:
    assert client_a.post(URL, {"payload": "000201"}, content_type="application/json").status_code in (401, 403)


def test_the_page_names_the_fault(joko: Client, people: People) -> None:
    bill = services.create_payment_request(people.shop, 12_500, actor=people.sri)
    answer = joko.post("/dompet/bayar/", {"payload": _zero_length(bill.qris_payload)}, follow=True)
    assert "panjang 00" in answer.content.decode()
    opened = joko.post("/dompet/bayar/", {"payload": bill.qris_payload})
    assert opened.status_code == 302 and str(bill.public_id) in opened["Location"]
