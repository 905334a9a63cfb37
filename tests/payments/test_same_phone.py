"""Paying a QRIS bill from the phone that shows it (issue 19, problem 7): the gateway's
deeplink (Midtrans `actions[deeplink-redirect]`; the sandbox answers the same way, pointing at
its own simulator page), the code to copy, the QR as a PNG download, and a new code when the
first one expired at the gateway."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from apps.payments import services
from apps.payments.gateways import deeplink_of
from apps.payments.models import GatewayCharge, PaymentRequest
from tests.payments.conftest import People

pytestmark = pytest.mark.django_db
HOST = "mojorejo.localhost"


@pytest.fixture
def joko(people: People) -> Client:
    client = Client(HTTP_HOST=HOST)
    client.force_login(people.joko)
    return client


def test_deeplink_is_read_from_the_charge_actions_and_unsafe_schemes_are_dropped() -> None:
    gopay = {
        "actions": [
            {"name": "generate-qr-code", "method": "GET", "url": "https://api.midtrans.com/v2/gopay/x/qr-code"},
            {"name": "deeplink-redirect", "method": "GET", "url": "gojek://gopay/merchanttransfer?tref=X"},
        ]
    }
    assert deeplink_of(gopay) == "gojek://gopay/merchanttransfer?tref=X"
    assert deeplink_of({"actions": [{"name": "deeplink-redirect", "url": "javascript://%0aalert(1)"}]}) == ""
    assert deeplink_of({"actions": [{"name": "deeplink-redirect", "url": "not a url"}]}) == ""
    assert deeplink_of({"actions": "nope"}) == "" and deeplink_of({}) == ""


def test_the_sandbox_charge_answers_with_a_deeplink_to_its_simulator(people: People) -> None:
    bill = services.create_payment_request(people.shop, 21_000, description="Pecel", actor=people.sri)
    charge = GatewayCharge.objects.get(payment_request=bill)
    assert charge.status == "pending"
    assert charge.deeplink_url.endswith(f"/dompet/sandbox/?order={charge.order_id}")
    assert charge.deeplink_url.startswith("http")


def test_png_download_and_the_sandbox_opened_by_the_deeplink(
    people: People, joko: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    bill = services.create_payment_request(people.shop, 21_000, description="Pecel", actor=people.sri)
    png = joko.get(f"/dompet/tagihan/{bill.public_id}/qris.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == f'attachment; filename="qris-{bill.bill_number}.png"'
    assert png.content.startswith(b"\x89PNG")
    charge = GatewayCharge.objects.get(payment_request=bill)
    settings.DEBUG = True  # the sandbox app is open to anyone only in DEBUG
    page = joko.get(f"/dompet/sandbox/?order={charge.order_id}").content.decode()
    assert 'data-testid="sandbox-bill"' in page and "Rp21.000" in page
    with django_capture_on_commit_callbacks(execute=True):  # the gateway's notification
        paid = joko.post(f"/dompet/sandbox/?order={charge.order_id}", {"payload": charge.qr_string, "action": "pay"})
    assert paid.status_code == 302 and f"order={charge.order_id}" in paid["Location"]
    bill.refresh_from_db()
    assert bill.status == PaymentRequest.Status.PAID
    assert joko.get(f"/dompet/tagihan/{bill.public_id}/qris.png").status_code == 404  # nothing left to pay


def test_an_expired_code_says_so_and_a_new_one_can_be_made(
    people: People, joko: Client, django_capture_on_commit_callbacks: Any
) -> None:
    bill = services.create_payment_request(people.shop, 21_000, description="Pecel", actor=people.sri)
    first = GatewayCharge.objects.get(payment_request=bill)
    with django_capture_on_commit_callbacks(execute=True):  # the gateway's "expire" notification
        services.sandbox_expire(first.order_id)
    first.refresh_from_db()
    assert first.status == "expire"
    polled = joko.get(f"/dompet/tagihan/{bill.public_id}/status/?shown=open&charge=pending", HTTP_HX_REQUEST="true")
    assert polled["HX-Refresh"] == "true"  # the page reloads and shows what to do
    assert joko.get(f"/dompet/tagihan/{bill.public_id}/qris.png").status_code == 404
    made = joko.post(f"/dompet/tagihan/{bill.public_id}/kode-baru/", {"next": "/pasar/"})
    assert made.status_code == 302 and made["Location"] == "/pasar/"
    second = GatewayCharge.objects.filter(payment_request=bill).order_by("-id").first()
    assert second is not None and second.pk != first.pk and second.status == "pending"
    assert second.order_id != first.order_id and second.qr_string != first.qr_string
    bill.refresh_from_db()
    assert bill.qris_payload == second.qr_string
    # A scanned renewed code still finds its bill; elsewhere never redirects off-site.
    from apps.payments.scanning import payment_request_for_qris

    assert payment_request_for_qris(second.qr_string) == bill
    again = joko.post(f"/dompet/tagihan/{bill.public_id}/kode-baru/", {"next": "https://evil.example/"})
    assert again["Location"] == f"/dompet/tagihan/{bill.public_id}/"
    assert GatewayCharge.objects.filter(payment_request=bill).count() == 2  # a live code is reused


def test_the_top_up_page_shows_the_same_phone_panel(
    people: People, joko: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    charge = services.start_top_up(people.joko_wallet, 50_000, actor=people.joko)
    assert charge.deeplink_url  # the sandbox gateway answers with one, as Midtrans does
    staging = joko.get(f"/dompet/isi-saldo/{charge.order_id}/").content.decode()
    # On a staging site a warga never finds the sandbox "payment app", not even by the deeplink.
    assert 'data-testid="qris-copy"' in staging and 'data-testid="qris-deeplink"' not in staging
    settings.DEBUG = True  # a developer's machine: the sandbox app is everyone's
    page = joko.get(f"/dompet/isi-saldo/{charge.order_id}/").content.decode()
    assert 'data-testid="qris-panel"' in page and 'data-testid="qris-copy"' in page
    assert f'data-copy-target="qris-code-{charge.order_id}"' in page and charge.qr_string in page
    assert 'data-testid="qris-deeplink"' in page and charge.deeplink_url.replace("&", "&amp;") in page
    png_url = f"/dompet/qris/{charge.public_id}.png"
    assert f'href="{png_url}"' in page
    png = joko.get(png_url)
    assert png.status_code == 200 and png.content.startswith(b"\x89PNG")
    assert png["Content-Disposition"] == f'attachment; filename="qris-{charge.order_id}.png"'
    with django_capture_on_commit_callbacks(execute=True):  # paid: nothing left to scan or download
        services.sandbox_pay(charge.order_id, actor=None)
    assert joko.get(png_url).status_code == 404
    done = joko.get(f"/dompet/isi-saldo/{charge.order_id}/").content.decode()
    assert 'data-testid="qris-panel"' not in done
