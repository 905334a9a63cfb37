"""KotaKitaPay pages: wallet, statements (HTMX, CSV, PDF), transfer, shop, bills, sandbox."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.payments import services
from apps.payments.models import EntryKind, JournalEntry, PaymentRequest
from apps.sandbox.models import SandboxTransaction
from tests.conftest import PASSWORD
from tests.payments.conftest import People, balances, fund, key

pytestmark = pytest.mark.django_db


@pytest.fixture
def joko(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(people.joko)
    return client


@pytest.fixture
def sri(people: People) -> Client:
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(people.sri)
    return client


@pytest.fixture
def staff(people: People) -> Client:
    """A kelurahan admin: on a staging site the only kind of user who may use the sandbox bank app."""
    admin = create_user(username="admin-kel", full_name="Admin", roles=[Role.ADMIN], password=PASSWORD)
    client = Client(HTTP_HOST="mojorejo.localhost")
    client.force_login(admin)
    return client


def test_wallet_needs_login(client_a: Client, in_a: object) -> None:
    response = client_a.get("/dompet/")
    assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_wallet_home_shows_balance_and_statement(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 1_250_000)
    page = joko.get("/dompet/").content.decode()
    assert 'data-testid="wallet-balance">Rp1.250.000<' in page
    assert "Isi saldo" in page and "Mutasi terakhir" in page


def test_statement_pages_htmx_csv_and_pdf(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 100_000)
    for n in range(25):
        services.transfer(people.joko_wallet, people.andi_wallet, 1_000 + n, idempotency_key=key())
    url = f"/dompet/akun/{people.joko_wallet.public_id}/"
    first = joko.get(url).content.decode()
    assert first.count("<tr>") == 21 and "Muat lagi" in first  # header + 20 lines
    more = joko.get(url, {"page": 2}, HTTP_HX_REQUEST="true").content.decode()
    assert more.count("<tr>") == 6 and "<html" not in more and "Muat lagi" not in more

    exported = joko.get(f"{url}mutasi.csv")
    assert exported["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode())))
    assert rows[0] == ["Waktu", "Jenis", "Keterangan", "Referensi", "Keluar", "Masuk", "Saldo"]
    assert (
        len(rows) == 27 and rows[1][5] == "100000" and rows[-1][6] == str(100_000 - sum(1_000 + n for n in range(25)))
    )
    pdf = joko.get(f"{url}mutasi.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    # someone else's account: not found
    assert joko.get(f"/dompet/akun/{people.andi_wallet.public_id}/").status_code == 404
    assert joko.get(f"/dompet/akun/{people.andi_wallet.public_id}/mutasi.csv").status_code == 404


def test_transfer_form_double_submit_moves_money_once(joko: Client, people: People) -> None:
    fund(people.joko_wallet, 30_000)
    form = {"to_username": "andi", "amount": "12.500", "idempotency_key": "form-1"}
    assert joko.post("/dompet/kirim/", form).status_code == 302
    assert joko.post("/dompet/kirim/", form).status_code == 302
    assert JournalEntry.objects.filter(kind=EntryKind.TRANSFER).count() == 1
    people.andi_wallet.refresh_from_db()
    assert people.andi_wallet.balance == 12_500
    bad = joko.post("/dompet/kirim/", {"to_username": "andi", "amount": "-3", "idempotency_key": "form-2"})
    assert bad.status_code == 422 and "lebih dari nol" in bad.content.decode()
    broke = joko.post("/dompet/kirim/", {"to_username": "andi", "amount": "99999", "idempotency_key": "form-3"})
    assert broke.status_code == 409 and "tidak cukup" in broke.content.decode()
    # "1.500,50" is Rp1.500 and 50 sen: refused, never Rp150.050; nor is "1500.50".
    for n, typed in enumerate(("1.500,50", "1500.50", "1,500")):
        sent = {"to_username": "andi", "amount": typed, "idempotency_key": f"typed-{n}"}
        refused = joko.post("/dompet/kirim/", sent)
        assert refused.status_code == 422 and "bilangan bulat rupiah" in refused.content.decode(), typed
    assert JournalEntry.objects.filter(kind=EntryKind.TRANSFER).count() == 1


def test_shop_bill_and_payment_by_wallet(joko: Client, sri: Client, people: People) -> None:
    fund(people.joko_wallet, 30_000)
    assert joko.post("/dompet/toko/", {"name": "Warung Joko"}).status_code == 404  # not a UMKM owner
    shop_page = sri.get(f"/dompet/toko/{people.shop.public_id}/").content.decode()
    assert "<svg" in shop_page and people.shop.qris_payload in shop_page
    created = sri.post(f"/dompet/toko/{people.shop.public_id}/tagih/", {"amount": "15.000", "description": "Pecel"})
    assert created.status_code == 302
    bill = PaymentRequest.objects.get()
    page = joko.get(created["Location"]).content.decode()
    assert "Menunggu pembayaran" in page and bill.qris_payload in page and "<svg" in page
    paid = joko.post(f"/dompet/tagihan/{bill.public_id}/bayar/", {"idempotency_key": "pay-1"})
    assert paid.status_code == 302
    polled = sri.get(f"/dompet/tagihan/{bill.public_id}/status/", {"shown": "open"}, HTTP_HX_REQUEST="true")
    status = polled.content.decode()
    assert ">Lunas<" in status and "hx-trigger" not in status  # polling stops once paid
    assert polled["HX-Refresh"] == "true"  # and the whole page reloads (QR and buttons follow)
    again = joko.post(f"/dompet/tagihan/{bill.public_id}/bayar/", {"idempotency_key": "pay-2"})
    assert again.status_code == 409
    refund = sri.post(f"/dompet/tagihan/{bill.public_id}/kembalikan/", {"amount": "5000", "idempotency_key": "rf"})
    assert refund.status_code == 302
    bill.refresh_from_db()
    assert bill.refunded_amount == 5_000


def test_sandbox_bank_app_pays_a_bill(
    staff: Client, sri: Client, people: People, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    bill = services.create_payment_request(people.shop, 21_000, description="Pecel", actor=people.sri)
    checked = staff.get("/dompet/sandbox/", {"qr": bill.qris_payload}).content.decode()
    assert "Pecel Madiun Bu Sri" in checked and "Rp21.000" in checked and 'data-testid="sandbox-pay"' in checked
    assert 'data-testid="sandbox-banner"' in checked  # the sandbox is on: every page says so
    with django_capture_on_commit_callbacks(execute=True):
        paid = staff.post("/dompet/sandbox/", {"payload": bill.qris_payload, "action": "pay"})
    assert paid.status_code == 302
    bill.refresh_from_db()
    assert bill.status == PaymentRequest.Status.PAID and bill.paid_method == "qris"
    assert ">Lunas<" in sri.get(f"/dompet/tagihan/{bill.public_id}/status/").content.decode()


def test_sandbox_names_what_is_wrong_with_a_qris(staff: Client, people: People) -> None:
    bill = services.create_payment_request(people.shop, 21_000, actor=people.sri)
    broken = bill.qris_payload[:-4] + "0000"
    response = staff.post("/dompet/sandbox/", {"payload": broken, "action": "check"})
    assert response.status_code == 422 and "CRC" in response.content.decode()
    cut = staff.post("/dompet/sandbox/", {"payload": bill.qris_payload[:40], "action": "check"})
    assert cut.status_code == 422 and "terpotong" in cut.content.decode()


def test_a_resident_cannot_find_the_sandbox_bank_app_on_a_staging_site(
    joko: Client, client_a: Client, people: People, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    # The attack that worked: a warga "pays" his own top-up in the sandbox bank app.
    charge = services.start_top_up(people.joko_wallet, 100_000_000, actor=people.joko)
    before = balances()
    page = joko.get(f"/dompet/isi-saldo/{charge.order_id}/").content.decode()
    assert "/dompet/sandbox/" not in page  # no link to it either
    with django_capture_on_commit_callbacks(execute=True):
        for client in (joko, client_a):  # signed-in warga, anonymous visitor
            assert client.get("/dompet/sandbox/", {"qr": charge.qr_string}).status_code == 404
            paid = client.post("/dompet/sandbox/", {"payload": charge.qr_string, "action": "pay"})
            assert paid.status_code == 404
    assert SandboxTransaction.objects.get(order_id=charge.order_id).status == "pending"
    assert balances() == before and JournalEntry.objects.filter(kind=EntryKind.TOP_UP).count() == 0


def test_under_debug_anyone_signed_in_may_use_the_sandbox(joko: Client, people: People, settings: Any) -> None:
    settings.DEBUG = True
    bill = services.create_payment_request(people.shop, 21_000, actor=people.sri)
    assert joko.get("/dompet/sandbox/", {"qr": bill.qris_payload}).status_code == 200


def test_top_up_page_shows_a_qris_and_its_status(joko: Client, people: People) -> None:
    response = joko.post("/dompet/isi-saldo/", {"amount": "50.000"})
    assert response.status_code == 302
    page = joko.get(response["Location"]).content.decode()
    assert "<svg" in page and "Menunggu" in page and 'hx-trigger="every 2s"' in page
    assert joko.post("/dompet/isi-saldo/", {"amount": "0"}).status_code == 422


def test_pasting_a_bill_qris_opens_the_bill(joko: Client, people: People) -> None:
    bill = services.create_payment_request(people.shop, 9_000, actor=people.sri)
    response = joko.post("/dompet/bayar/", {"payload": bill.qris_payload})
    assert response.status_code == 302 and str(bill.public_id) in response["Location"]
