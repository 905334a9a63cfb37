"""Pages and the partner API: what applicants and officers see and may do, permissions, errors
that change nothing, and tenant isolation (A's lending data unreachable from B)."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.test import Client

from apps.lending import credit, services
from apps.lending.models import Application, ApplicationStatus, Lender, Loan, LoanEvent, Offer
from apps.payments.models import JournalEntry
from apps.tenancy.models import Tenant
from tests.filters import assert_refused

from .conftest import GOOD, World, balance, disbursed, fund, make_world, submit

pytestmark = pytest.mark.django_db
HOST_A = "mojorejo.localhost"


def client_as(user: object, host: str = HOST_A) -> Client:
    client = Client(HTTP_HOST=host)
    client.force_login(user)  # type: ignore[arg-type]
    return client


def _offer(world: World) -> Offer:
    credit.score_all(services.today(), rows=([world.sri.pk], [GOOD]))
    return Offer.objects.get(applicant=world.sri)


def test_applicant_sees_offer_with_reasons_and_accepts_it(world: World) -> None:
    offer = _offer(world)
    client = client_as(world.sri)
    page = client.get("/pinjaman/")
    text = page.content.decode()
    assert page.status_code == 200
    assert f'data-testid="offer-{offer.pk}"' in text
    assert "Mengapa saya mendapat penawaran ini?" in text
    # Plain reasons only: no scorecard jargon for the borrower (it stays on the officer's page).
    assert "Yang membantu" in text and "kartu skor" not in text and "PD" not in text
    assert "Rincian biaya sebelum mengajukan" in text and 'data-testid="quote-fee"' in text
    too_much = client.post(
        f"/pinjaman/tawaran/{offer.pk}/terima/", {"amount": offer.limit + 100_000, "tenor_months": 3, "key": "k1"}
    )
    assert too_much.status_code == 422 and "plafon penawaran" in too_much.content.decode()
    assert not Application.objects.exists()
    response = client.post(
        f"/pinjaman/tawaran/{offer.pk}/terima/",
        {"amount": offer.limit, "tenor_months": offer.tenor_months, "key": "k2"},
    )
    application = Application.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/pinjaman/pengajuan/{application.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert "Menunggu keputusan" in detail and "Mengapa hasilnya begini" in detail


def test_officer_reviews_approves_and_the_wallet_gets_the_money(world: World) -> None:
    application = submit(world)
    officer = client_as(world.officer)
    queue = officer.get("/pinjaman/petugas/").content.decode()
    assert f'data-testid="review-{application.pk}"' in queue and 'data-testid="bucket-1-30"' in queue
    review = officer.get(f"/pinjaman/petugas/pengajuan/{application.pk}/").content.decode()
    assert "kartu skor aturan" in review and 'data-testid="band"' in review
    assert application.assessment.contributions[0]["label"] in review
    # One tap only asks: the confirmation page shows amount, borrower and wallet, nothing moves.
    asked = officer.post(f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/", {"reason": "ok"})
    assert asked.status_code == 200 and 'data-testid="approve-confirm"' in asked.content.decode()
    assert "Rp1.200.000" in asked.content.decode() and "Sri Rahayu" in asked.content.decode()
    assert not Loan.objects.exists()
    response = officer.post(f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/", {"reason": "ok", "confirm": "1"})
    assert response.status_code == 302
    loan = Loan.objects.get(application=application)
    assert balance(loan.wallet) == 1_200_000 - 12_000
    wallet_page = client_as(world.sri).get("/dompet/").content.decode()
    assert "Pencairan pinjaman BPR Uji" in wallet_page
    again = officer.post(f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/", {"reason": "ok", "confirm": "1"})
    assert again.status_code == 302  # idempotent: the resent confirmation moves nothing
    assert JournalEntry.objects.filter(reference=f"pinjaman-{loan.pk}").count() == 2


def test_applicant_cannot_reach_the_officer_pages_or_decide(world: World) -> None:
    application = submit(world)
    sri = client_as(world.sri)
    assert sri.get("/pinjaman/petugas/").status_code == 404
    assert sri.post(f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/", {"confirm": "1"}).status_code == 404
    other = client_as(world.other_officer)
    assert other.get(f"/pinjaman/petugas/pengajuan/{application.pk}/").status_code == 404
    assert other.post(f"/pinjaman/petugas/pengajuan/{application.pk}/setujui/", {"confirm": "1"}).status_code == 404
    assert client_as(world.joko).get(f"/pinjaman/pengajuan/{application.pk}/").status_code == 404
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert Client(HTTP_HOST=HOST_A).get("/pinjaman/").status_code == 302


def test_borrower_repays_early_and_toggles_the_standing_instruction(world: World) -> None:
    loan = disbursed(world, amount=1_200_000, tenor=3, on=services.today())
    fund(world.sri, 100_000)
    client = client_as(world.sri)
    page = client.get(f"/pinjaman/saya/{loan.pk}/").content.decode()
    assert 'data-testid="schedule"' in page and 'data-testid="instalment-3"' in page
    bad = client.post(f"/pinjaman/saya/{loan.pk}/bayar/", {"amount": "-5", "key": "a"})
    assert bad.status_code == 422
    ok = client.post(f"/pinjaman/saya/{loan.pk}/bayar/", {"amount": "200000", "key": "b"})
    assert ok.status_code == 302
    loan.refresh_from_db()
    assert loan.principal_outstanding == 1_000_000
    client.post(f"/pinjaman/saya/{loan.pk}/potong-otomatis/", {"active": "0"})
    loan.refresh_from_db()
    assert not loan.standing_instruction
    assert client_as(world.joko).get(f"/pinjaman/saya/{loan.pk}/").status_code == 404


def test_a_repayment_typed_with_sen_is_refused_not_read_as_a_bigger_amount(world: World) -> None:
    """ "1.500,50" is Rp1.500 and 50 sen: refused with a 422 and no money moved. It used to be
    read as Rp150.050 (dots and commas both stripped) and taken from the borrower's wallet."""
    loan = disbursed(world, amount=1_200_000, tenor=3, on=services.today())
    wallet = fund(world.sri, 200_000)
    before = balance(wallet)
    client = client_as(world.sri)
    for n, typed in enumerate(("1.500,50", "150.050,00x", "1500.50")):
        response = client.post(f"/pinjaman/saya/{loan.pk}/bayar/", {"amount": typed, "key": f"sen-{n}"})
        assert response.status_code == 422, typed
    loan.refresh_from_db()
    assert loan.principal_outstanding == 1_200_000 and balance(wallet) == before
    ok = client.post(f"/pinjaman/saya/{loan.pk}/bayar/", {"amount": "Rp150.000,-", "key": "sen-ok"})
    assert ok.status_code == 302
    loan.refresh_from_db()
    assert balance(wallet) == before - 150_000


def test_api_lists_decides_and_records_repayments(world: World) -> None:
    application = submit(world)
    api = client_as(world.officer)
    listing = api.get("/api/v1/lending/applications/").json()
    assert listing["results"][0]["assessment"]["method"] == "scorecard"
    assert api.post(f"/api/v1/lending/applications/{application.pk}/reject/", {"reason": ""}).status_code == 422
    approved = api.post(f"/api/v1/lending/applications/{application.pk}/approve/", {"reason": "ok"})
    assert approved.status_code == 200 and approved.json()["status"] == "disbursed"
    loan_id = approved.json()["loan"]
    assert api.post(f"/api/v1/lending/applications/{application.pk}/disburse/").status_code == 409
    schedule = api.get(f"/api/v1/lending/loans/{loan_id}/schedule/").json()
    assert sum(row["principal"] for row in schedule) == 1_200_000
    assert api.post(f"/api/v1/lending/loans/{loan_id}/repayments/", {"amount": 1000}).status_code == 422
    paid = api.post(f"/api/v1/lending/loans/{loan_id}/repayments/", {"amount": 1000}, HTTP_IDEMPOTENCY_KEY="r1")
    again = api.post(f"/api/v1/lending/loans/{loan_id}/repayments/", {"amount": 1000}, HTTP_IDEMPOTENCY_KEY="r1")
    assert paid.status_code == 201 and again.json()["id"] == paid.json()["id"]
    assert again["Idempotency-Replayed"] == "true" and again.content == paid.content
    # The same key with another amount, or on the recoveries of the same loan: 409, nothing moves.
    for path, amount in (("repayments", 2000), ("recoveries", 1000)):
        reused = api.post(f"/api/v1/lending/loans/{loan_id}/{path}/", {"amount": amount}, HTTP_IDEMPOTENCY_KEY="r1")
        assert reused.status_code == 409 and reused.json()["error"]["code"] == "idempotency_key_reused", path
    assert Loan.objects.get(pk=loan_id).transactions.exclude(kind="disbursement").count() == 1
    products = api.post(
        "/api/v1/lending/products/",
        {
            "name": "Tenor Nol",
            "min_amount": 1000,
            "max_amount": 2000,
            "min_tenor_months": 0,
            "max_tenor_months": 3,
            "annual_rate": "10",
        },
    )
    assert products.status_code == 422
    assert api.get("/api/v1/lending/products/").json()["count"] == 2
    # Not an officer: 403; another lender's officer: 404.
    assert client_as(world.sri).get("/api/v1/lending/applications/").status_code == 403
    assert client_as(world.other_officer).get(f"/api/v1/lending/loans/{loan_id}/").status_code == 404
    schema = api.get("/api/v1/schema/")
    assert schema.status_code == 200
    assert "/api/v1/lending/loans/{id}/repayments/" in schema.content.decode()


@pytest.fixture
def written_in_a(tenant_a: Tenant) -> tuple[World, Loan]:
    with tenant_a:
        world = make_world(prefix="iso-")
        loan = disbursed(world)
        credit.retrain(world.lender)
        credit.score_all(services.today(), rows=([world.sri.pk], [GOOD]))
    return world, loan


def test_lending_data_of_a_is_invisible_and_unreachable_from_b(
    written_in_a: tuple[World, Loan], tenant_a: Tenant, tenant_b: Tenant
) -> None:
    _world, loan = written_in_a
    models = list(apps.get_app_config("lending").get_models())
    with tenant_a:
        assert all(model._default_manager.exists() for model in models if model is not Offer)
    with tenant_b:
        for model in models:
            assert not model._default_manager.exists(), model
        b_world = make_world(prefix="b-")
        officer_b = client_as(b_world.officer, host="pandean.localhost")
        sri_b = client_as(b_world.sri, host="pandean.localhost")
    assert officer_b.get(f"/pinjaman/petugas/pengajuan/{loan.application_id}/").status_code == 404
    assert officer_b.get(f"/pinjaman/petugas/pinjaman/{loan.pk}/").status_code == 404
    assert officer_b.get(f"/api/v1/lending/loans/{loan.pk}/").status_code == 404
    assert sri_b.get(f"/pinjaman/saya/{loan.pk}/").status_code == 404
    with tenant_a:
        assert Lender.objects.filter(name="iso-BPR Uji").exists()
        assert LoanEvent.objects.filter(loan=loan).exists()


def test_write_off_and_recovery_pages(world: World) -> None:
    loan = disbursed(world)
    officer = client_as(world.officer)
    assert officer.post(f"/pinjaman/petugas/pinjaman/{loan.pk}/hapus-buku/", {"reason": ""}).status_code == 422
    officer.post(f"/pinjaman/petugas/pinjaman/{loan.pk}/hapus-buku/", {"reason": "usaha tutup"})
    loan.refresh_from_db()
    assert loan.status == "written_off"
    response = officer.post(f"/pinjaman/petugas/pinjaman/{loan.pk}/pemulihan/", {"amount": "100000", "key": "x"})
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.recovered_amount == 100_000


def test_api_application_list_filters_by_status(world: World) -> None:
    application = submit(world)
    api = client_as(world.officer)

    def ids(**params: str) -> list[int]:
        response = api.get("/api/v1/lending/applications/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(status="submitted") == [application.pk] and ids(status="rejected") == []
    assert api.post(f"/api/v1/lending/applications/{application.pk}/reject/", {"reason": "Belum"}).status_code == 200
    assert ids(status="rejected") == [application.pk] and ids(status="submitted") == []
    assert_refused(api.get("/api/v1/lending/applications/", {"status": "semua"}), "status")
