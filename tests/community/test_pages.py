"""Pages under /kas/: member home and payments, the treasurer's panel (HTMX), reports, arisan."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.community import selectors, services
from apps.community.models import ArisanGroup, CashBookEntry, Category, IuranPayment
from apps.payments.models import GatewayCharge
from tests.community.conftest import JPEG, World, balance, client_as, fund

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_pages_need_login(client_a: Client, in_a: object) -> None:
    for url in ("/kas/", "/kas/arisan/", "/kas/rt/1/"):
        response = client_a.get(url)
        assert response.status_code == 302 and "/akun/masuk/" in response["Location"]


def test_member_home_shows_dues_and_pays_by_wallet(scheduled: World) -> None:
    w = scheduled
    wallet = fund(w.joko, 30_000)
    joko = client_as(w.joko)
    page = joko.get("/kas/").content.decode()
    assert "Iuran saya" in page and "2026-01" in page and "tertunggak" in page
    response = joko.post("/kas/iuran/bayar/", {"month": "2026-01", "method": "wallet", "key": "k1"})
    assert response.status_code == 302
    again = joko.post("/kas/iuran/bayar/", {"month": "2026-01", "method": "wallet", "key": "k1"})  # double tap
    assert again.status_code == 302
    assert balance(wallet) == 20_000
    twice = joko.post("/kas/iuran/bayar/", {"month": "2026-01", "method": "wallet", "key": "k2"})
    assert twice.status_code == 409 and "sudah lunas" in twice.content.decode()
    assert balance(wallet) == 20_000
    bad = joko.post("/kas/iuran/bayar/", {"month": "Januari", "method": "wallet", "key": "k3"})
    assert bad.status_code == 422


def test_member_pays_by_qris_and_the_page_follows_the_gateway(
    scheduled: World, django_capture_on_commit_callbacks: Any
) -> None:
    w = scheduled
    joko = client_as(w.joko)
    response = joko.post("/kas/iuran/bayar/", {"month": "2026-02", "method": "qris"})
    assert response.status_code == 302
    url = response["Location"]
    page = joko.get(url).content.decode()
    assert "<svg" in page and 'data-testid="qris-code"' in page and "Menunggu pembayaran" in page
    payment = IuranPayment.objects.get(member=w.joko, month="2026-02-01")
    assert payment.charge is not None
    # The sandbox bank app is for staff on a staging site (a warga gets 404): staff plays the payer.
    assert joko.post("/dompet/sandbox/", {"payload": payment.charge.qr_string, "action": "pay"}).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):  # the gateway notifies after commit
        sandbox = client_as(w.staff).post("/dompet/sandbox/", {"payload": payment.charge.qr_string, "action": "pay"})
    assert sandbox.status_code == 302
    status = joko.get(url + "?shown=pending", **HX)
    assert status.status_code == 200 and status["HX-Refresh"] == "true"
    assert "Lunas" in status.content.decode()
    assert balance(w.rt1.book.digital_account) == 10_000
    assert GatewayCharge.objects.get(pk=payment.charge_id).status == "settlement"
    # someone else's payment page is not reachable
    assert client_as(w.sri).get(url).status_code == 404


def test_iuran_qris_page_shows_the_same_phone_panel(scheduled: World, settings: Any) -> None:
    settings.DEBUG = True  # the sandbox gateway's deeplink is shown to everyone only in DEBUG
    w = scheduled
    joko = client_as(w.joko)
    url = joko.post("/kas/iuran/bayar/", {"month": "2026-03", "method": "qris"})["Location"]
    charge = IuranPayment.objects.select_related("charge").get(member=w.joko, month="2026-03-01").charge
    assert charge is not None
    page = joko.get(url).content.decode()
    assert 'data-testid="qris-panel"' in page and 'data-testid="qris-copy"' in page
    assert f'data-copy-target="qris-code-{charge.order_id}"' in page and charge.qr_string in page
    assert 'data-testid="qris-deeplink"' in page and f'href="/dompet/qris/{charge.public_id}.png"' in page
    png = joko.get(f"/dompet/qris/{charge.public_id}.png")
    assert png.status_code == 200 and png["Content-Type"] == "image/png"


def test_treasurer_panel_records_with_htmx_and_errors_swap_in(scheduled: World) -> None:
    w = scheduled
    t = client_as(w.rt1.treasurer)
    url = f"/kas/rt/{w.rt1.rt.pk}/"
    page = t.get(url).content.decode()
    assert 'id="kas-panel"' in page and "Catat pengeluaran" in page and "Tunggakan" in page
    ok = t.post(
        f"{url}pemasukan/",
        {"amount": "100.000", "category": "donasi", "description": "Sumbangan", "key": "a"},
        **HX,
    )
    body = ok.content.decode()
    assert ok.status_code == 200 and "<html" not in body and "Pemasukan Rp100.000 dicatat." in body
    assert 'data-testid="book-cash">Rp100.000<' in body
    receipt = SimpleUploadedFile("nota.jpg", JPEG, content_type="image/jpeg")
    spent = t.post(
        f"{url}pengeluaran/",
        {"amount": "40000", "category": "kebersihan", "description": "Sapu", "channel": "cash", "receipt": receipt},
        **HX,
    )
    assert spent.status_code == 200 and "Rp60.000" in spent.content.decode()
    line = CashBookEntry.objects.get(description="Sapu")
    assert line.receipt_type == "image/jpeg"
    too_much = t.post(
        f"{url}pengeluaran/",
        {"amount": "60001", "category": "kebersihan", "description": "x", "channel": "cash"},
        **HX,
    )
    assert too_much.status_code == 409 and "tidak cukup" in too_much.content.decode()
    negative = t.post(f"{url}pemasukan/", {"amount": "-5000", "category": "donasi", "description": "x"}, **HX)
    assert negative.status_code == 422 and "lebih dari nol" in negative.content.decode()
    fake = SimpleUploadedFile("nota.jpg", b"<?php echo 1; ?>", content_type="image/jpeg")
    wrong_file = t.post(
        f"{url}pengeluaran/",
        {"amount": "1000", "category": "kebersihan", "description": "x", "channel": "cash", "receipt": fake},
        **HX,
    )
    assert wrong_file.status_code == 422 and "JPEG, PNG atau PDF" in wrong_file.content.decode()
    cash = t.post(f"{url}iuran-tunai/", {"member": w.sri.pk, "month": "2026-01"}, **HX)
    assert cash.status_code == 200 and "dicatat lunas" in cash.content.decode()
    again = t.post(f"{url}iuran-tunai/", {"member": w.sri.pk, "month": "2026-01"}, **HX)
    assert again.status_code == 409
    void = t.post(f"{url}batal/{line.pk}/", {"reason": "nota salah"}, **HX)
    assert void.status_code == 200 and "dibatalkan" in void.content.decode()
    assert selectors.balances(w.rt1.book).cash == 100_000 + 10_000
    # without HTMX: post-redirect-get
    plain = t.post(f"{url}pemasukan/", {"amount": "5000", "category": "donasi", "description": "y"})
    assert plain.status_code == 302 and plain["Location"] == url


def test_only_the_rts_treasurer_or_ketua_reach_the_panel(scheduled: World) -> None:
    w = scheduled
    url = f"/kas/rt/{w.rt1.rt.pk}/"
    assert client_as(w.rt1.ketua).get(url).status_code == 200
    for intruder in (w.rt2.treasurer, w.andi, w.outsider):
        client = client_as(intruder)
        assert client.get(url).status_code == 403
        post = client.post(f"{url}pemasukan/", {"amount": "1000", "category": "donasi", "description": "x"})
        assert post.status_code == 403
        assert client.post(f"{url}iuran-tunai/", {"member": w.sri.pk, "month": "2026-01"}).status_code == 403
    # a member of the RT is sent to the report instead
    member = client_as(w.joko).get(url)
    assert member.status_code == 302 and "/laporan/" in member["Location"]
    assert not CashBookEntry.objects.exists()


def test_report_page_pdf_and_xlsx_for_members_not_for_others(scheduled: World) -> None:
    w = scheduled
    book, t = w.rt1.book, w.rt1.treasurer
    services.record_income(book, actor=t, amount=80_000, category=Category.DONASI, description="Donasi")
    services.record_expense(
        book,
        actor=t,
        amount=20_000,
        category=Category.KEAMANAN,
        description="Senter ronda <b>",
        receipt=SimpleUploadedFile("n.jpg", JPEG),
    )
    month = services.this_month().strftime("%Y-%m")
    services.record_iuran_cash(book, w.sri, month, actor=t)
    joko = client_as(w.joko)
    page = joko.get(f"/kas/rt/{w.rt1.rt.pk}/laporan/{month}/").content.decode()
    assert 'data-testid="closing"><strong>Rp70.000<' in page
    assert "Senter ronda &lt;b&gt;" in page and "bukti" in page
    assert "1 dari 3 rumah sudah membayar" in page and "Sri Rahayu" in page
    assert "Joko" not in re.sub(r"<header.*?</header>", "", page, flags=re.S)  # no names of who has not paid
    line = CashBookEntry.objects.get(description__startswith="Senter")
    receipt = joko.get(f"/kas/bukti/{line.public_id}/")
    assert receipt.status_code == 200 and receipt["Content-Type"] == "image/jpeg"
    assert b"".join(receipt.streaming_content) == JPEG
    pdf = joko.get(f"/kas/rt/{w.rt1.rt.pk}/laporan/{month}.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    xlsx = joko.get(f"/kas/rt/{w.rt1.rt.pk}/laporan/{month}.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content))["Ringkasan"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["Saldo akhir"] == 70_000
    # another RT's resident: no report, no receipt
    andi = client_as(w.andi)
    assert andi.get(f"/kas/rt/{w.rt1.rt.pk}/laporan/{month}/").status_code == 403
    assert andi.get(f"/kas/rt/{w.rt1.rt.pk}/laporan/{month}.pdf").status_code == 403
    assert andi.get(f"/kas/bukti/{line.public_id}/").status_code == 404


def test_xlsx_keeps_formulas_typed_by_people_as_text(scheduled: World) -> None:
    w = scheduled
    services.record_income(w.rt1.book, actor=w.rt1.treasurer, amount=5_000, category="donasi", description="x")
    services.record_expense(
        w.rt1.book, actor=w.rt1.treasurer, amount=1_000, category="lainnya", description='=HYPERLINK("http://x")'
    )
    month = services.this_month().strftime("%Y-%m")
    xlsx = client_as(w.joko).get(f"/kas/rt/{w.rt1.rt.pk}/laporan/{month}.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.content))["Pengeluaran"]
    cell = sheet.cell(row=2, column=2)
    assert cell.value == '=HYPERLINK("http://x")' and cell.data_type == "s"


def test_arisan_pages_draw_verify_contribute_payout(world: World) -> None:
    w = world
    sri = client_as(w.sri)
    created = sri.post(
        "/kas/arisan/",
        {
            "name": "Arisan Uji",
            "contribution": "25.000",
            "period": "weekly",
            "draw_method": "random",
            "start_date": "2026-01-01",
            "join": "1",
        },
    )
    assert created.status_code == 302
    group = ArisanGroup.objects.get(name="Arisan Uji")
    url = f"/kas/arisan/{group.pk}/"
    assert sri.post(f"{url}anggota/", {"username": w.joko.username}).status_code == 302
    assert sri.post(f"{url}anggota/", {"username": "tidak-ada"}).status_code == 422
    committed = sri.post(f"{url}komitmen/")
    assert committed.status_code == 302
    group.refresh_from_db()
    page = sri.get(url).content.decode()
    assert group.seed_commitment in page and group.seed not in page  # seed secret until the draw
    assert client_as(w.joko).post(f"{url}undi/").status_code == 403  # only the organiser draws
    assert sri.post(f"{url}undi/").status_code == 302
    group.refresh_from_db()
    verify = client_as(w.joko).get(f"{url}verifikasi/").content.decode()
    assert group.seed in verify and "Cocok" in verify
    wrong = client_as(w.joko).get(f"{url}verifikasi/", {"seed": "0" * 64}).content.decode()
    assert "Tidak cocok" in wrong
    round1 = group.rounds.get(number=1)
    for person in (w.sri, w.joko):
        fund(person, 25_000)
        response = client_as(person).post(f"/kas/arisan/putaran/{round1.pk}/setor/", {"method": "wallet"})
        assert response.status_code == 302
    paid = sri.post(f"/kas/arisan/putaran/{round1.pk}/bayarkan/")
    assert paid.status_code == 302
    round1.refresh_from_db()
    assert round1.status == "paid_out"
    assert balance(group.pool_account) == 0
    # outsiders see nothing
    assert client_as(w.andi).get(url).status_code == 404
    assert client_as(w.andi).get(f"{url}verifikasi/").status_code == 404


def test_staff_names_a_treasurer_from_the_page(world: World) -> None:
    staff = client_as(world.staff)
    home = staff.get("/kas/").content.decode()
    assert "tunjuk bendahara" in home and f"/kas/rt/{world.rt1.rt.pk}/laporan/" in home
    url = f"/kas/rt/{world.rt2.rt.pk}/bendahara/"
    assert staff.get(url).status_code == 200
    assert staff.post(url, {"username": world.andi.username}).status_code == 302
    assert selectors.current_treasurer(world.rt2.rt).user == world.andi  # type: ignore[union-attr]
    assert client_as(world.joko).post(url, {"username": world.joko.username}).status_code == 403
    assert staff.post(url, {"username": "siapa"}).status_code == 422


def test_admin_lists_every_community_model_read_only(scheduled: World) -> None:
    from apps.accounts.models import User

    w = scheduled
    services.record_iuran_cash(w.rt1.book, w.sri, "2026-01", actor=w.rt1.treasurer)
    group = services.create_group(
        organiser=w.sri,
        name="Arisan Admin",
        contribution=1_000,
        period="weekly",
        draw_method="random",
        start_date="2026-01-01",
    )
    services.add_member(group, w.joko, actor=w.sri)
    services.commit_draw(group, actor=w.sri)
    admin = client_as(User.objects.get(username="admin"))
    for model in (
        "treasurer",
        "cashbook",
        "cashbookentry",
        "iuranschedule",
        "iuranexemption",
        "iuranpayment",
        "arisangroup",
        "arisanround",
        "arisancontribution",
    ):
        response = admin.get(f"/admin/community/{model}/")
        assert response.status_code == 200, model
        assert admin.get(f"/admin/community/{model}/add/").status_code == 403, model
    detail = admin.get(f"/admin/community/arisangroup/{group.pk}/change/").content.decode()
    group.refresh_from_db()
    assert group.seed_commitment in detail and group.seed not in detail  # the seed stays secret


def test_ketua_rw_reads_the_reports_of_the_rts_in_the_rw_but_keeps_no_books(world: World) -> None:
    from tests.community.conftest import user

    ketua_rw = user("ketua-rw-uji")
    rw = world.rt1.rt.rw
    rw.ketua = ketua_rw
    rw.save(update_fields=["ketua"])
    client = client_as(ketua_rw)
    home = client.get("/kas/").content.decode()
    assert f"/kas/rt/{world.rt1.rt.pk}/laporan/" in home and f"/kas/rt/{world.rt2.rt.pk}/laporan/" in home
    month = services.this_month().strftime("%Y-%m")
    assert client.get(f"/kas/rt/{world.rt1.rt.pk}/laporan/{month}/").status_code == 200
    assert client.get(f"/kas/rt/{world.rt1.rt.pk}/").status_code == 302  # to the report
    post = client.post(f"/kas/rt/{world.rt1.rt.pk}/pemasukan/", {"amount": "1000", "category": "donasi"})
    assert post.status_code == 403


def test_typed_amounts_and_too_long_text_are_refused_on_the_page_never_cut(scheduled: World) -> None:
    """ "1.500,50" is Rp1.500 and 50 sen (refused), never Rp150.050; a too-long description or
    arisan name is refused with the form's error (422), never stored cut short."""
    w = scheduled
    t = client_as(w.rt1.treasurer)
    url = f"/kas/rt/{w.rt1.rt.pk}/"
    before = CashBookEntry.objects.count()
    for typed in ("1.500,50", "1500.50", "1,500"):
        refused = t.post(f"{url}pemasukan/", {"amount": typed, "category": "donasi", "description": "x"}, **HX)
        assert refused.status_code == 422, typed
        assert "bilangan bulat rupiah" in refused.content.decode()
    too_long = t.post(f"{url}pemasukan/", {"amount": "1.500", "category": "donasi", "description": "x" * 256}, **HX)
    assert too_long.status_code == 422 and "Paling banyak 255 huruf." in too_long.content.decode()
    assert CashBookEntry.objects.count() == before
    ok = t.post(f"{url}pemasukan/", {"amount": "Rp1.500,00", "category": "donasi", "description": "x" * 255}, **HX)
    assert ok.status_code == 200 and CashBookEntry.objects.get(description="x" * 255).amount == 1_500
    form = {"contribution": "25.000", "period": "weekly", "draw_method": "random", "start_date": "2026-01-01"}
    page = client_as(w.sri).post("/kas/arisan/", {**form, "name": "A" * 101})
    assert page.status_code == 422 and "Paling banyak 100 huruf." in page.content.decode()
    assert not ArisanGroup.objects.filter(name__startswith="A" * 100).exists()
