"""/retribusi/ (kota finance office) and /tagihan/ (the payer): role matrix, pay by wallet,
receipt PDF with its verification page, spreadsheet upload, daily report export."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client

from apps.levies import imports, services
from apps.levies.models import LevyBill
from apps.payments import services as payments
from apps.payments.models import PaymentRequest
from apps.tenancy.models import LevyBillRoute
from tests.conftest import client_for
from tests.levies.conftest import World
from tests.spreadsheets import xlsx_bytes

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def logged_in(tenant: Any, user: Any) -> Client:
    client = client_for(tenant)
    with tenant:
        client.force_login(user)
    return client


def issue(world: World) -> LevyBill:
    with world.kota:
        return services.do_issue_bill(
            world.sampah,
            kelurahan=world.kel,
            payer_name="Joko",
            payer_account=world.payer.username,
            actor=world.officer,
        )


def test_role_matrix_of_the_register(world: World) -> None:
    assert logged_in(world.kota, world.officer).get("/retribusi/").status_code == 200
    assert logged_in(world.kota, world.kota_warga).get("/retribusi/").status_code == 403
    assert logged_in(world.kel, world.lurah).get("/retribusi/").status_code == 404  # no such page in a kelurahan
    assert logged_in(world.kel, world.payer).get("/retribusi/").status_code == 404
    assert client_for(world.kota).get("/retribusi/").status_code == 302  # sign in first
    warga = logged_in(world.kota, world.kota_warga)
    assert warga.post("/retribusi/terbit/", {"levy": world.sampah.pk}).status_code == 403
    with world.kota:
        assert not LevyBill.objects.exists()


def test_officer_issues_from_the_page_and_a_double_submit_issues_once(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    client = logged_in(world.kota, world.officer)
    form = {
        "levy": world.sampah.pk,
        "kelurahan": world.kel.pk,
        "payer_name": "Joko Susilo",
        "payer_account": world.payer.username,
        "period_label": "2026-12",
        "issue_key": "form-1",
    }
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/retribusi/terbit/", form).status_code == 302
        assert client.post("/retribusi/terbit/", form).status_code == 302
    with world.kota:
        assert LevyBill.objects.count() == 1
    bad = client.post("/retribusi/terbit/", {**form, "issue_key": "form-2", "kelurahan": 999999})
    assert bad.status_code == 422
    # "1.500,50" is Rp1.500 and 50 sen: refused, neither Rp150.050 nor silently the levy's tariff.
    for n, typed in enumerate(("1.500,50", "1500.50", "1,500")):
        refused = client.post("/retribusi/terbit/", {**form, "issue_key": f"typed-{n}", "amount": typed})
        assert refused.status_code == 422 and "bilangan bulat rupiah" in refused.content.decode(), typed
    with django_capture_on_commit_callbacks(execute=True):
        typed_ok = client.post("/retribusi/terbit/", {**form, "issue_key": "typed-ok", "amount": "Rp17.500"})
    assert typed_ok.status_code == 302
    with world.kota:
        assert LevyBill.objects.count() == 2
        assert LevyBill.objects.filter(principal=17_500).count() == 1


def test_upload_issues_each_good_row_and_reports_the_bad_ones(world: World) -> None:
    client = logged_in(world.kota, world.officer)
    csv = (
        "kode,kelurahan,nama,akun,jumlah,masa\n"
        f"{world.sampah.code},{world.kel.slug},Joko,{world.payer.username},,2026-12\n"
        f"{world.pasar.code},{world.kel.slug},Tetangga,{world.neighbour.username},75.000,2026-12\n"
        f"NOPE,{world.kel.slug},X,x,,2026-12\n"
        f'{world.pasar.code},{world.kel.slug},Sen,{world.neighbour.username},"1.500,50",2026-11\n'
    ).encode()
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("tagihan.csv", csv, "text/csv")})
    assert response.status_code == 200
    assert b"Baris 4" in response.content
    assert b"Baris 5" in response.content  # "1.500,50": Rp1.500 and 50 sen, refused (never Rp150.050)
    with world.kota:
        assert sorted(LevyBill.objects.values_list("principal", flat=True)) == [15_000, 75_000]
    again = client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("tagihan.csv", csv, "text/csv")})
    assert again.status_code == 200
    with world.kota:
        assert LevyBill.objects.count() == 2  # a re-upload issues nothing twice


def test_a_key_longer_than_its_column_is_refused_not_cut(world: World) -> None:
    """Two typed keys sharing their first 120 characters are two bills, or a refusal: never the
    second row silently replaying the first one's bill."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    shared = "k" * 120
    csv = (
        "kode,kelurahan,nama,akun,masa,kunci\n"
        f"{world.sampah.code},{world.kel.slug},Joko,{world.payer.username},2026-12,{shared}\n"
        f"{world.sampah.code},{world.kel.slug},Tetangga,{world.neighbour.username},2026-12,{shared}-2\n"
    ).encode()
    client = logged_in(world.kota, world.officer)
    response = client.post("/retribusi/unggah/", {"file": SimpleUploadedFile("tagihan.csv", csv, "text/csv")})
    assert response.status_code == 200
    assert b"Baris 3" in response.content and b"Paling banyak 120 huruf." in response.content
    with world.kota:
        assert list(LevyBill.objects.values_list("payer_name", "issue_key")) == [("Joko", shared)]


def test_empty_spreadsheet_cells_are_empty_not_none(world: World) -> None:
    """An xlsx's empty cell arrives as None: it is no text on the bill and no shared issue key.
    (It used to become "None": on the bill's address, and as every row's key, so the second
    payer's row was refused as a reused key.)"""
    from django.core.files.uploadedfile import SimpleUploadedFile

    content = xlsx_bytes(
        [
            ["kode", "kelurahan", "nama", "akun", "alamat", "masa", "kunci"],
            [world.sampah.code, world.kel.slug, "Joko", world.payer.username, None, "2026-12", None],
            [world.sampah.code, world.kel.slug, "Tetangga", world.neighbour.username, None, "2026-12", None],
        ]
    )
    client = logged_in(world.kota, world.officer)
    upload = SimpleUploadedFile("tagihan.xlsx", content, "application/vnd.ms-excel")
    response = client.post("/retribusi/unggah/", {"file": upload})
    assert response.status_code == 200
    with world.kota:
        bills = list(LevyBill.objects.order_by("payer_name").values_list("payer_name", "object_address"))
    assert bills == [("Joko", ""), ("Tetangga", "")]


@pytest.mark.parametrize("file_name", ["tagihan.xlsx", "tagihan.csv"])
def test_empty_cells_read_the_same_in_xlsx_and_csv(file_name: str, world: World) -> None:
    """read_table gives "" for an empty xlsx cell as for an empty csv cell: the same bills, the
    same refusals on the same lines, whichever format the officer uploads."""
    header = ["kode", "kelurahan", "nama", "akun", "nik", "alamat", "jumlah", "masa", "jatuh tempo", "kunci"]
    rows: list[list[object]] = [
        [world.sampah.code, world.kel.slug, "Joko", world.payer.username, None, None, None, "2026-12", None, None],
        [world.sampah.code, world.kel.slug, None, world.neighbour.username, None, None, None, "2026-12", None, None],
        [world.pasar.code, world.kel.slug, "Tanpa akun", None, None, None, None, "2026-12", None, None],
        [None, world.kel.slug, "Tanpa kode", world.neighbour.username, None, None, None, "2026-12", None, None],
        [world.pasar.code, world.kel.slug, "Tetangga", world.neighbour.username, None, None, None, None, None, None],
    ]
    if file_name.endswith(".xlsx"):
        content = xlsx_bytes([header, *rows])
    else:
        lines: list[list[object]] = [list(header), *rows]
        content = "".join(
            ",".join("" if cell is None else str(cell) for cell in line) + "\n" for line in lines
        ).encode()
    with world.kota:
        result = imports.import_bills(file_name, content, actor=world.officer)
        bills = list(
            LevyBill.objects.order_by("payer_name").values_list(
                "payer_name",
                "payer_account",
                "payer_nik_digest",
                "object_address",
                "principal",
                "period_label",
                "due_on",
            )
        )
    payer_required = "Nama wajib bayar dan akun atau NIK-nya wajib diisi."
    assert result.errors == [
        f"Baris 3: {payer_required}",
        f"Baris 4: {payer_required}",
        "Baris 5: Kode retribusi/pajak tidak dikenal.",
    ]
    assert len(result.issued) == 2
    assert [bill[:6] for bill in bills] == [
        ("Joko", world.payer.username, "", "", 15_000, "2026-12"),
        ("Tetangga", world.neighbour.username, "", "", 60_000, ""),
    ]


def test_payer_pays_by_wallet_gets_a_receipt_that_verifies(
    world: World, django_capture_on_commit_callbacks: Capture, django_assert_max_num_queries: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bill = issue(world)
    with world.kel:
        payments.top_up(payments.ensure_wallet(world.payer), 20_000, reference="t", idempotency_key="lv-page")
        copy = PaymentRequest.objects.get(reference=f"levy:{bill.number}")
    payer = logged_in(world.kel, world.payer)
    with django_assert_max_num_queries(12):
        listing = payer.get("/tagihan/")
    assert listing.status_code == 200 and bill.number.encode() in listing.content
    page = payer.get(f"/tagihan/{copy.public_id}/")
    assert page.status_code == 200 and b'data-testid="qris-panel"' in page.content
    assert logged_in(world.kel, world.neighbour).get(f"/tagihan/{copy.public_id}/").status_code == 404
    assert payer.get(f"/tagihan/{copy.public_id}/bukti.pdf").status_code == 404  # not paid yet
    with django_capture_on_commit_callbacks(execute=True):
        paid = payer.post(f"/tagihan/{copy.public_id}/bayar/", {"idempotency_key": "k1"})
    assert paid.status_code == 302
    with world.kota:
        bill.refresh_from_db()
        assert bill.status == "paid"
    pdf = payer.get(f"/tagihan/{copy.public_id}/bukti.pdf")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert logged_in(world.kel, world.neighbour).get(f"/tagihan/{copy.public_id}/bukti.pdf").status_code == 404
    token = LevyBillRoute.objects.get(number=bill.number).verification_token
    verified = client_for(world.kota).get(f"/tagihan/verifikasi/{token}/")
    assert verified.status_code == 200 and b"LUNAS" in verified.content and b"Joko" not in verified.content
    assert client_for(world.kel).get(f"/tagihan/verifikasi/{token}/").status_code == 404  # the kota answers
    assert client_for(world.kota).get("/tagihan/verifikasi/nope/").status_code == 404


def test_daily_report_reconciles_register_and_routes(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        bill = issue(world)
    with world.kota, django_capture_on_commit_callbacks(execute=True):
        services.do_record_cash(bill.number, actor=world.officer)
    client = logged_in(world.kota, world.officer)
    day = datetime.date.today().isoformat()
    csv = client.get(f"/retribusi/laporan.csv?day={day}")
    assert csv.status_code == 200
    lines = csv.content.decode().strip().splitlines()
    assert lines[0].startswith("nomor,jenis,kelurahan") and len(lines) == 2
    assert bill.number in lines[1] and ",cash," in lines[1] and lines[1].endswith(",0")
    xlsx = client.get(f"/retribusi/laporan.xlsx?day={day}")
    assert xlsx.status_code == 200 and xlsx.content.startswith(b"PK")
    assert logged_in(world.kota, world.kota_warga).get("/retribusi/laporan.csv").status_code == 403
