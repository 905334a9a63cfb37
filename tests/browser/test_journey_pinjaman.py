"""Journey "pinjaman" (issue 19, problem 6): an UMKM owner borrows, an officer approves.

Bu Sri (a pecel stall with a pre-approved offer) sees, before applying, what the loan costs:
the provision fee, the interest, what actually reaches her wallet, the monthly instalment and
the total to pay back, recomputed as she types. She first asks for more than her offer allows
(the one error: a clear message, nothing sent), corrects it and applies; the application page
gives her reasons in plain words. The BPR's officer opens the application (the scorecard's
terms are explained on his page), approves, and a confirmation step shows amount, borrower and
destination wallet before any money moves.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from apps.accounts.roles import Role
from apps.lending import credit, services
from apps.lending.models import Application, Loan, Offer
from tests.browser import scenes
from tests.browser.conftest import LiveServer
from tests.browser.journeys import Journey
from tests.browser.test_lending import _cleanup as _wipe_lending
from tests.conftest import TenantSet
from tests.lending.app.conftest import GOOD

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

OWNER = "browser-pinjam-sri"  # the names tests/browser/test_lending.py's clean-up removes
OFFICER = "browser-pinjam-bpr"
HOST = "mojorejo.localhost"


def _rp(amount: int) -> str:
    return f"Rp{amount:,}".replace(",", ".")


@pytest.fixture
def offer(tenants: TenantSet, server: LiveServer) -> Iterator[tuple[Offer, list[str]]]:
    """Committed: a BPR with its officer and a product with a 1% provision fee, and Bu Sri
    with a pre-approved offer."""
    _wipe_lending(tenants, [])
    with tenants.a:
        sri = scenes.person(OWNER, "Sri Rahayu", Role.PEMILIK_UMKM)
        officer = scenes.person(OFFICER, "Hendra BPR", Role.PETUGAS_LKM)
        lender = services.open_lender(name="BPR Bank Daerah Madiun", kind="bpr", officers=[officer])
        services.create_product(
            lender,
            services.ProductTerms(
                name="Modal Kerja UMKM",
                min_amount=500_000,
                max_amount=50_000_000,
                min_tenor_months=1,
                max_tenor_months=24,
                annual_rate="18",
                disbursement_fee_percent="1",
            ),
        )
        credit.score_all(services.today(), rows=([sri.pk], [GOOD]))
        made = Offer.objects.select_related("assessment", "lender").get(applicant=sri)
    connection.set_schema_to_public()
    session_keys: list[str] = []
    try:
        yield made, session_keys
    finally:
        _wipe_lending(tenants, session_keys)


def test_pinjaman(offer: tuple[Offer, list[str]], tenants: TenantSet, server: LiveServer, journey: Journey) -> None:
    from playwright.sync_api import expect

    made, session_keys = offer
    page: Any = journey.page
    amount = min(made.limit, 5_000_000)
    with tenants.a:
        shown = services.quote(made.product, amount, made.tenor_months, offer=made)
    connection.set_schema_to_public()

    # Bu Sri sees her offer and, before applying, what it costs her.
    scenes.sign_in(page, server, HOST, OWNER, session_keys)
    page.goto(server.url(HOST, "/pinjaman/"))
    card = page.get_by_test_id(f"offer-{made.pk}")
    expect(card).to_contain_text(f"Hingga {_rp(made.limit)}")
    expect(card.get_by_test_id("quote-fee")).to_have_text(_rp(made.limit // 100))
    journey.step("penawaran dengan rincian biaya", full_page=True)

    # The one error: she types more than her offer allows; the costs give way to a clear message.
    field = card.get_by_test_id("offer-amount")
    field.fill(str(made.limit + 1_000_000))
    expect(card.get_by_test_id("quote-error")).to_contain_text(f"Jumlah melebihi plafon penawaran {_rp(made.limit)}")
    card.get_by_test_id("quote-error").scroll_into_view_if_needed()
    journey.step("jumlah melebihi plafon")

    # She corrects it: the fee, what reaches her wallet and the instalment follow.
    field.fill(f"{amount:,}".replace(",", "."))
    expect(card.get_by_test_id("quote-fee")).to_have_text(_rp(shown.fee))
    expect(card.get_by_test_id("quote-received")).to_have_text(_rp(shown.received))
    expect(card.get_by_test_id("quote-instalment")).to_have_text(_rp(shown.instalment))
    expect(card.get_by_test_id("quote-total")).to_have_text(_rp(shown.total_repayment))
    card.get_by_text("Mengapa saya mendapat penawaran ini?").click()
    expect(card.get_by_test_id("plain-reasons")).to_contain_text("Yang membantu")
    expect(card).not_to_contain_text("kartu skor")
    journey.step("jumlah diperbaiki, alasan sederhana", full_page=True)

    card.get_by_test_id("accept-offer").click()
    expect(page).to_have_url(re.compile(r"/pinjaman/pengajuan/\d+/$"))
    expect(page.get_by_test_id("application-status")).to_have_text("Menunggu keputusan")
    reasons = page.get_by_test_id("application-reasons")
    expect(reasons).to_contain_text("Yang membantu")
    for jargon in ("PD", "poin", "kartu skor", "Kelas"):
        expect(reasons).not_to_contain_text(jargon)
    journey.step("pengajuan terkirim")

    # The officer reviews: the scorecard's words are on his page, explained.
    scenes.sign_in(page, server, HOST, OFFICER, session_keys)
    page.goto(server.url(HOST, "/pinjaman/petugas/"))
    page.get_by_test_id("queue").get_by_role("link").first.click()
    expect(page.get_by_test_id("assessment")).to_contain_text("kartu skor aturan")
    page.get_by_test_id("assessment").get_by_test_id("glossary").get_by_text("Arti istilah").click()
    expect(page.get_by_test_id("glossary")).to_contain_text("peluang gagal bayar")
    journey.step("petugas meninjau", full_page=True)

    # Approving asks first: amount, borrower, destination wallet. Nothing has moved yet.
    page.get_by_test_id("approve").click()
    confirm = page.get_by_test_id("approve-confirm")
    expect(confirm.get_by_test_id("confirm-amount")).to_have_text(_rp(amount))
    expect(confirm.get_by_test_id("confirm-borrower")).to_have_text("Sri Rahayu")
    expect(confirm.get_by_test_id("confirm-received")).to_have_text(_rp(shown.received))
    expect(confirm.get_by_test_id("confirm-wallet")).to_contain_text("Sri Rahayu")
    with tenants.a:
        assert not Loan.objects.filter(application__offer=made).exists()
    connection.set_schema_to_public()
    journey.step("konfirmasi pencairan", full_page=True)
    confirm.get_by_test_id("confirm-approve").click()
    expect(page.get_by_test_id("review-status")).to_have_text("Sudah dicairkan")
    journey.step("sudah dicairkan")

    with tenants.a:  # shown == booked
        application = Application.objects.get(offer=made)
        loan = Loan.objects.get(application=application)
        assert loan.principal == amount and loan.disbursement_fee == shown.fee
        assert sum(i.principal + i.interest + i.fee for i in loan.instalments.all()) == shown.total_repayment
    connection.set_schema_to_public()
