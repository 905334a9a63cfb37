"""GoTukang flow through its services: request, quotes, booking, completion, payment, rating,
disputes; the database's own guards; isolation between kelurahan; the directory's query budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.feedback.models import Kind, Prompt
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import PaymentRequest
from apps.tenancy.models import Tenant
from apps.tukang import services
from apps.tukang.models import Job, Quote, Tukang
from tests.budgets import assert_list_budget
from tests.conftest import client_for
from tests.tukang.conftest import People, make_tukang

pytestmark = pytest.mark.django_db


def _booked(people: People, price: int = 90_000) -> Job:
    job = services.request_job(people.warga, skill="listrik", description="Stopkontak dapur korslet")
    services.submit_quote(job, actor=people.wawan.user, amount=price + 10_000)
    quote = services.submit_quote(job, actor=people.wawan.user, amount=price)  # a new price replaces it
    services.submit_quote(job, actor=people.harto.user, amount=price + 50_000)
    return services.book_quote(job, quote, actor=people.warga)


def test_open_request_quotes_and_booking(people: People) -> None:
    job = _booked(people)
    assert (job.status, job.tukang_id, job.agreed_amount) == (Job.Status.BOOKED, people.wawan.pk, 90_000)
    assert Quote.objects.filter(job=job).count() == 2
    assert dict(Quote.objects.filter(job=job).values_list("tukang__name", "status")) == {
        "Mas Wawan": "accepted",
        "Pak Harto": "declined",
    }
    # both tukang heard of the request, the warga of the quotes, the chosen tukang of the booking
    events = set(Message.objects.filter(recipient=people.wawan.user).values_list("event", flat=True))
    assert {"tukang.job_requested", "tukang.booked"} <= events
    assert Message.objects.filter(recipient=people.warga, event="tukang.quoted").exists()
    # a repeated tap books nothing new; another quote cannot be booked now
    assert services.book_quote(job, Quote.objects.get(job=job, tukang=people.wawan), actor=people.warga).pk == job.pk
    with pytest.raises(Conflict):
        services.book_quote(job, Quote.objects.get(job=job, tukang=people.harto), actor=people.warga)
    with pytest.raises(Conflict):
        services.submit_quote(job, actor=people.harto.user, amount=1000)


def test_only_the_right_people_act(people: People) -> None:
    job = services.request_job(people.warga, skill="listrik", description="Lampu teras mati", tukang=people.wawan)
    with pytest.raises(Forbidden):  # asked of Wawan, not Harto
        services.submit_quote(job, actor=people.harto.user, amount=50_000)
    quote = services.submit_quote(job, actor=people.wawan.user, amount=50_000)
    with pytest.raises(Forbidden):
        services.book_quote(job, quote, actor=people.harto.user)
    services.book_quote(job, quote, actor=people.warga)
    with pytest.raises(Forbidden):
        services.complete_job(job, actor=people.warga)
    with pytest.raises(Forbidden):
        services.submit_quote(job, actor=people.warga, amount=1)  # not a tukang


def test_rating_only_after_completion_and_once(people: People) -> None:
    job = _booked(people)
    with pytest.raises(Conflict):
        services.rate_job(job, actor=people.warga, rating=5)
    services.complete_job(job, actor=people.wawan.user)
    with pytest.raises(Forbidden):
        services.rate_job(job, actor=people.wawan.user, rating=5)
    with pytest.raises(ValidationFailed):
        services.rate_job(job, actor=people.warga, rating=6)
    services.rate_job(job, actor=people.warga, rating=4, review="Rapi")
    with pytest.raises(Conflict):
        services.rate_job(job, actor=people.warga, rating=5)
    wawan = Tukang.objects.get(pk=people.wawan.pk)
    assert (wawan.rating_sum, wawan.rating_count, wawan.rating) == (4, 1, 4.0)


def test_the_database_refuses_a_rating_on_an_unfinished_job(people: People) -> None:
    job = _booked(people)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(rating=5)
    services.complete_job(job, actor=people.wawan.user)
    with pytest.raises(IntegrityError), transaction.atomic():
        Job.objects.filter(pk=job.pk).update(rating=9)


def test_done_job_is_billed_and_paid_by_wallet(people: People) -> None:
    job = _booked(people, 80_000)
    job = services.complete_job(job, actor=people.wawan.user)
    bill = PaymentRequest.objects.get(pk=job.payment_request_id)
    assert (bill.amount, bill.reference, bill.merchant.owner_id) == (
        80_000,
        f"tukang:{job.public_id}",
        people.wawan.user_id,
    )
    wallet = payments.ensure_wallet(people.warga)
    payments.top_up(wallet, 100_000, reference="test", idempotency_key="topup-tukang-1")
    services.pay_with_wallet(job, actor=people.warga, idempotency_key="pay-1")
    services.pay_with_wallet(job, actor=people.warga, idempotency_key="pay-1")  # a retry pays once
    job.refresh_from_db()
    bill.refresh_from_db()
    assert (job.paid_method, bill.status) == (Job.Payment.WALLET, PaymentRequest.Status.PAID)
    wallet.refresh_from_db()
    assert wallet.balance == 20_000


def test_cash_recorded_by_the_tukang(people: People) -> None:
    job = services.complete_job(_booked(people), actor=people.wawan.user)
    with pytest.raises(Forbidden):
        services.record_cash(job, actor=people.warga)
    job = services.record_cash(job, actor=people.wawan.user)
    assert job.paid_method == Job.Payment.CASH
    assert PaymentRequest.objects.get(pk=job.payment_request_id).paid_method == "cod"


def test_dispute_goes_to_the_kelurahan(people: People) -> None:
    job = _booked(people)
    with pytest.raises(Forbidden):
        services.open_dispute(job, actor=people.harto.user, reason="bukan urusan saya")
    services.open_dispute(job, actor=people.warga, reason="Tidak datang sesuai janji")
    assert Message.objects.filter(recipient=people.admin, event="tukang.dispute").exists()
    with pytest.raises(Forbidden):
        services.resolve_dispute(job, actor=people.wawan.user, resolution="saya menang")
    job = services.resolve_dispute(job, actor=people.admin, resolution="Dijadwalkan ulang Sabtu")
    assert job.dispute == Job.Dispute.RESOLVED and job.dispute_resolved_by == people.admin


def test_bad_input_is_refused(people: People) -> None:
    with pytest.raises(ValidationFailed):
        services.request_job(people.warga, skill="sihir", description="Terbang ke bulan")
    with pytest.raises(ValidationFailed):
        services.request_job(people.warga, skill="listrik", description="x")
    with pytest.raises(ValidationFailed):
        services.register_tukang(people.warga, name="A", skills=["sihir"], rate=1)
    with pytest.raises(ValidationFailed):
        services.register_tukang(people.warga, name="A", skills=["cat"], rate=1, rws=[99])
    with pytest.raises(Conflict):  # Wawan has no ledeng skill
        services.request_job(people.warga, skill="ledeng", description="Pipa bocor", tukang=people.wawan)


def test_isolation(people: People, tenant_a: Tenant, tenant_b: Tenant) -> None:
    job = _booked(people)
    public_id = job.public_id
    with tenant_b:
        assert not Tukang.objects.filter(name="Mas Wawan").exists()
        assert not Job.objects.filter(public_id=public_id).exists()
        assert not Quote.objects.exists()
        warga_b = User.objects.get(username="warga-pandean")
        client = client_for(tenant_b)
        client.force_login(warga_b)
    assert client.get(f"/tukang/pekerjaan/{public_id}/").status_code == 404
    assert "Mas Wawan" not in client.get("/tukang/").content.decode()
    assert client.get(f"/api/v1/tukang/jobs/{job.pk}/").status_code == 404


def test_pages_for_each_party(people: People, tenant_a: Tenant) -> None:
    job = _booked(people)
    warga, tukang, other = client_for(tenant_a), client_for(tenant_a), client_for(tenant_a)
    warga.force_login(people.warga)
    tukang.force_login(people.wawan.user)
    other.force_login(User.objects.create(username="t-tetangga"))
    page = f"/tukang/pekerjaan/{job.public_id}/"
    assert other.get(page).status_code == 404
    assert "complete-job" in tukang.get(page).content.decode()
    assert tukang.post(page + "complete/").status_code == 302
    body = warga.get(page).content.decode()
    assert "pay-wallet" in body and "rate-form" in body
    assert warga.post(page + "rate/", {"rating": "5"}).status_code == 302
    assert warga.post(page + "rate/", {"rating": "5"}).status_code == 409
    assert warga.get("/tukang/").status_code == 200
    assert warga.get("/tukang/pekerjaan/").status_code == 200
    assert warga.get("/tukang/keluhan/").status_code == 404


def test_web_request_form_is_idempotent(people: People, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    client.force_login(people.warga)
    form = {
        "skill": "listrik",
        "description": "Saklar kamar rusak",
        "idempotency_key": "k1",
        "lat": "-7.6",
        "lng": "111.5",
    }
    first = client.post(f"/tukang/pesan/?tukang={people.wawan.public_id}", form)
    again = client.post(f"/tukang/pesan/?tukang={people.wawan.public_id}", form)
    assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
    assert Job.objects.filter(requester=people.warga).count() == 1
    job = Job.objects.get(requester=people.warga)
    assert job.tukang_id == people.wawan.pk and str(job.lat) == "-7.600000"


def test_api_create_is_idempotent(people: People, tenant_a: Tenant) -> None:
    client = client_for(tenant_a)
    client.force_login(people.warga)
    body = {"skill": "ledeng", "description": "Pipa wastafel mampet"}
    first = client.post("/api/v1/tukang/jobs/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="j-1")
    again = client.post("/api/v1/tukang/jobs/", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="j-1")
    assert first.status_code == again.status_code == 201 and first.content == again.content
    assert Job.objects.filter(requester=people.warga).count() == 1
    harto = client_for(tenant_a)
    harto.force_login(people.harto.user)
    job_id = first.json()["id"]
    quote = harto.post(
        f"/api/v1/tukang/jobs/{job_id}/quote/",
        {"amount": 70_000},
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="q-1",
    )
    assert quote.status_code == 201
    booked = client.post(
        f"/api/v1/tukang/jobs/{job_id}/book/", {"quote": quote.json()["id"]}, content_type="application/json"
    )
    assert booked.status_code == 200 and booked.json()["status"] == "booked"


@pytest.mark.parametrize("path", ["/tukang/", "/api/v1/tukang/tukang/?page_size=100"])
def test_directory_query_budget(people: People, tenant_a: Tenant, path: str) -> None:
    client = client_for(tenant_a)
    client.force_login(people.warga)
    made = [0]

    def grow(count: int) -> None:
        for _ in range(count):
            made[0] += 1
            make_tukang(f"t-budget-{made[0]}", f"Tukang {made[0]}", ["cat", "kayu"])

    assert_list_budget(lambda: client.get(path), grow)


def test_a_finished_job_asks_its_requester_once_how_the_service_went(
    people: People, django_capture_on_commit_callbacks: Any
) -> None:
    job = _booked(people)
    with django_capture_on_commit_callbacks(execute=True):
        services.complete_job(job, actor=people.wawan.user)
        services.complete_job(job, actor=people.wawan.user)  # a repeat asks nothing more
    asked = Prompt.objects.filter(kind=Kind.TUKANG, user=people.warga)
    assert list(asked.values_list("event_key", "url")) == [(str(job.pk), f"/tukang/pekerjaan/{job.public_id}/")]
