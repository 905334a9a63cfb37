"""The costs shown before applying are the costs booked (issue 19, problem 6), the borrower's
reasons tell the truth about her wallet and past loans, and approving asks for confirmation."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.html import strip_tags

from apps.lending import credit, services
from apps.lending.models import Loan, LoanTransaction
from apps.lending.plain import reasons_of
from apps.marketplace.models import Shop

from .conftest import World, balance, disbursed, fund, submit

pytestmark = pytest.mark.django_db
HOST_A = "mojorejo.localhost"


def client_as(user: object) -> Client:
    client = Client(HTTP_HOST=HOST_A)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def test_the_quote_shown_is_what_disbursement_books(world: World) -> None:
    shown = services.quote(world.product, "5.000.000", "6")
    assert shown.fee == 50_000 and shown.received == 4_950_000  # the provision fee, up front
    assert shown.total_repayment == shown.amount + shown.interest
    page = client_as(world.sri).get(
        "/pinjaman/hitung/", {"product": world.product.pk, "amount": "5.000.000", "tenor_months": "6"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and "Rp50.000" in text and "Rp4.950.000" in text
    assert f"Rp{shown.total_repayment:,}".replace(",", ".") in text

    loan = disbursed(world, amount=5_000_000, tenor=6)
    instalments = list(loan.instalments.order_by("number"))
    assert loan.disbursement_fee == shown.fee
    assert balance(loan.wallet) == shown.received
    assert sum(i.interest for i in instalments) == shown.interest
    assert sum(i.principal + i.interest + i.fee for i in instalments) == shown.total_repayment
    assert next(i for i in instalments if i.principal).principal + instalments[0].interest == shown.instalment
    tx = LoanTransaction.objects.get(loan=loan, kind="disbursement")
    assert tx.fee == shown.fee


def test_the_quote_says_clearly_when_the_amount_is_above_the_limit(world: World) -> None:
    page = client_as(world.sri).get(
        "/pinjaman/hitung/", {"product": world.product.pk, "amount": "60000000", "tenor_months": "6"}
    )
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="quote-error"' in text
    assert "Jumlah pinjaman harus antara Rp500.000 dan Rp50.000.000." in text
    assert client_as(world.sri).get("/pinjaman/hitung/", {"offer": 999_999, "amount": "1"}).status_code == 404


def test_reasons_see_her_wallet_and_her_repaid_loan(world: World) -> None:
    """The bug: a borrower with a wallet and a repaid loan was told she had neither."""
    loan = disbursed(world, amount=1_200_000, tenor=3)
    fund(world.sri, 2_000_000)
    for instalment in loan.instalments.order_by("number"):
        services.repay(
            loan, instalment.total, actor=world.sri, idempotency_key=f"q-{instalment.pk}", on_date=instalment.due_date
        )
    loan.refresh_from_db()
    assert loan.status == "closed"
    assert loan.closed_on is not None
    as_of = services.today()  # wallet postings are dated now; the repaid loan is in the past
    assert not Shop.objects.filter(owner=world.sri).exists()  # the path that blanked her record
    values = credit.features_of(world.sri, as_of)
    assert values["repay_on_time_ratio"] == 1.0 and values["repay_max_dpd"] == 0.0
    assert values["prior_loans_count"] == 1.0
    assert values["wallet_active_days_3m"] is not None and values["wallet_active_days_3m"] >= 1
    assessment = credit.assess(world.lender, world.sri, as_of=as_of)
    said = reasons_of(assessment)
    everything = " ".join(said.helped + said.against + [r["text"] for r in assessment.reasons])
    assert "Belum punya dompet" not in everything and "Belum memiliki dompet" not in everything
    assert "Belum pernah meminjam" not in everything and "Belum ada riwayat pinjaman" not in everything
    assert "Belum pernah terlambat bayar" in said.helped or "Cicilan pinjaman sebelumnya selalu tepat waktu" in (
        said.helped
    )


def test_borrower_pages_have_no_scorecard_jargon_the_officer_page_explains_it(world: World) -> None:
    application = submit(world)
    page = client_as(world.sri).get(f"/pinjaman/pengajuan/{application.pk}/").content.decode()
    # What she reads, as words: the random CSRF tokens in attributes hold "PD" now and then.
    borrower = strip_tags(page)
    for jargon in ("PD", "poin", "kartu skor", "Kelas", "log-odds", "PAR"):
        assert not re.search(rf"\b{re.escape(jargon)}\b", borrower), jargon
    review = client_as(world.officer).get(f"/pinjaman/petugas/pengajuan/{application.pk}/").content.decode()
    assert 'data-testid="glossary"' in review and "peluang gagal bayar" in review


def test_confirming_twice_moves_the_money_once(world: World) -> None:
    application = submit(world, amount=2_000_000)
    officer = client_as(world.officer)
    url = f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/"
    confirm = officer.get(url, {"reason": "lancar"}).content.decode()
    assert "Rp2.000.000" in confirm and "Rp20.000" in confirm and "Rp1.980.000" in confirm
    assert not Loan.objects.exists()
    assert officer.post(url, {"confirm": "1", "reason": "lancar"}).status_code == 302
    assert officer.post(url, {"confirm": "1", "reason": "lancar"}).status_code == 302
    loan = Loan.objects.get()
    assert balance(loan.wallet) == 1_980_000
