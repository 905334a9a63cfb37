"""Pinjaman end to end on a phone (390×844): an UMKM owner accepts her pre-approved offer, the
lender's officer reviews the score and approves, and her wallet page shows the disbursement."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction

from apps.accounts.lockout import forget_login_records
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.lending import credit, services
from apps.lending.models import Application, Loan, Offer
from apps.websessions.models import WebSession
from tests.browser.conftest import PHONE, LiveServer, results_dir
from tests.conftest import PASSWORD, TenantSet
from tests.lending.app.conftest import GOOD, LENDING_TABLES
from tests.payments.conftest import wipe_payments

pytestmark = [
    pytest.mark.browser,
    pytest.mark.filterwarnings("ignore:No directory at:UserWarning"),
    pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR is not set"),
]

OWNER = "browser-pinjam-sri"
OFFICER = "browser-pinjam-bpr"
HOST = "mojorejo.localhost"


def _cleanup(tenants: TenantSet, session_keys: list[str]) -> None:
    connection.set_schema_to_public()
    users = [OWNER, OFFICER]
    with tenants.a:
        WebSession.objects.filter(session_key__in=session_keys).delete()
        forget_login_records(users)
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            for table in LENDING_TABLES:
                cursor.execute(f"DELETE FROM {table}")
            ids = list(User.objects.filter(username__in=users).values_list("pk", flat=True)) or [0]
            cursor.execute("DELETE FROM notifications_message WHERE recipient_id = ANY(%s)", [ids])
            cursor.execute("DELETE FROM feedback_prompt WHERE user_id = ANY(%s)", [ids])  # asked on disbursement
    wipe_payments(tenants.a, users)
    connection.set_schema_to_public()


@pytest.fixture
def offer(tenants: TenantSet, server: LiveServer) -> Iterator[tuple[Offer, list[str]]]:
    """Committed: a BPR with its officer and product, and Bu Sri with a pre-approved offer."""
    _cleanup(tenants, [])
    with tenants.a:
        sri = create_user(username=OWNER, full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM], password=PASSWORD)
        officer = create_user(username=OFFICER, full_name="Hendra BPR", roles=[Role.PETUGAS_LKM], password=PASSWORD)
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
        _cleanup(tenants, session_keys)


def _sign_in(page: Any, server: LiveServer, username: str, session_keys: list[str]) -> None:
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")
    page.context.clear_cookies()
    page.goto(server.url(HOST, "/akun/masuk/"))
    form = page.get_by_test_id("login-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_url(server.url(HOST, "/"))


def _fits_the_phone(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_umkm_accepts_offer_officer_approves_wallet_shows_disbursement(
    offer: tuple[Offer, list[str]], tenants: TenantSet, server: LiveServer, page: Any, request: pytest.FixtureRequest
) -> None:
    from playwright.sync_api import expect

    made, session_keys = offer
    shots = results_dir(request.config)
    page.set_viewport_size(PHONE)
    limit = f"Rp{made.limit:,}".replace(",", ".")

    # Bu Sri sees her offer with the reasons in plain Bahasa Indonesia and accepts it.
    _sign_in(page, server, OWNER, session_keys)
    page.goto(server.url(HOST, "/pinjaman/"))
    card = page.get_by_test_id(f"offer-{made.pk}")
    expect(card).to_contain_text(f"Hingga {limit}")
    card.get_by_text("Mengapa saya mendapat penawaran ini?").click()
    expect(card.get_by_test_id("plain-reasons")).to_contain_text("Yang membantu")
    expect(card).not_to_contain_text("kartu skor aturan")  # the method's name is for the officer
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "pinjaman-offer-phone.png"), full_page=True)
    card.get_by_test_id("accept-offer").click()
    expect(page).to_have_url(re.compile(r"/pinjaman/pengajuan/\d+/$"))
    expect(page.get_by_test_id("application-status")).to_have_text("Menunggu keputusan")

    # The officer reviews the score and the reasons, and approves: the money is disbursed.
    _sign_in(page, server, OFFICER, session_keys)
    page.goto(server.url(HOST, "/pinjaman/petugas/"))
    page.get_by_test_id("queue").get_by_role("link").first.click()
    expect(page.get_by_test_id("assessment")).to_contain_text("kartu skor aturan")
    expect(page.get_by_test_id("band")).to_have_text(made.assessment.band)
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "pinjaman-review-phone.png"), full_page=True)
    page.get_by_test_id("approve").click()
    page.get_by_test_id("confirm-approve").click()
    expect(page.get_by_test_id("review-status")).to_have_text("Sudah dicairkan")

    # Bu Sri's wallet shows the disbursement.
    _sign_in(page, server, OWNER, session_keys)
    page.goto(server.url(HOST, "/dompet/"))
    fee = made.limit // 100
    expect(page.get_by_test_id("wallet-balance")).to_have_text(f"Rp{made.limit - fee:,}".replace(",", "."))
    expect(page.locator("main")).to_contain_text("Pencairan pinjaman BPR Bank Daerah Madiun")
    _fits_the_phone(page)
    page.screenshot(path=str(shots / "pinjaman-wallet-phone.png"), full_page=True)
    session_keys.extend(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    with tenants.a:
        application = Application.objects.get(offer=made)
        loan = Loan.objects.get(application=application)
        assert loan.principal == made.limit and loan.instalments.count() == made.tenor_months
        assert application.decided_by is not None and application.decided_by.username == OFFICER
    connection.set_schema_to_public()
