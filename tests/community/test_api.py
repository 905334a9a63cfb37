"""/api/v1/community/: cash books, iuran, arisan; one error format; OpenAPI documented."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from apps.community.models import CashBookEntry, IuranPayment
from tests.community.conftest import PDF, World, balance, client_as, fund

pytestmark = pytest.mark.django_db
API = "/api/v1/community"


def test_cash_books_entries_report_and_arrears(scheduled: World) -> None:
    w = scheduled
    t = client_as(w.rt1.treasurer)
    books = t.get(f"{API}/cash-books/").json()["results"]
    book_id = next(b["id"] for b in books if b["rt_id"] == w.rt1.rt.pk)
    made = t.post(
        f"{API}/cash-books/{book_id}/entries/",
        {"direction": "in", "amount": "50000", "category": "donasi", "description": "Donasi"},
        HTTP_IDEMPOTENCY_KEY="e1",
    )
    assert made.status_code == 201, made.content
    again = t.post(
        f"{API}/cash-books/{book_id}/entries/",
        {"direction": "in", "amount": "50000", "category": "donasi", "description": "Donasi"},
        HTTP_IDEMPOTENCY_KEY="e1",
    )
    assert again.json()["id"] == made.json()["id"]
    spent = t.post(
        f"{API}/cash-books/{book_id}/entries/",
        {
            "direction": "out",
            "amount": "12000",
            "category": "administrasi",
            "description": "Fotokopi",
            "receipt": SimpleUploadedFile("f.pdf", PDF, content_type="application/pdf"),
        },
        HTTP_IDEMPOTENCY_KEY="e2",
    )
    assert spent.status_code == 201 and spent.json()["receipt_url"].endswith("/")
    listed = t.get(f"{API}/cash-books/{book_id}/entries/").json()
    assert listed["count"] == 2
    report = t.get(f"{API}/cash-books/{book_id}/report/").json()
    assert report["closing"] == 38_000 and report["expense_total"] == 12_000
    assert "iuran_paid_households" in report and "arrears" not in report
    arrears = t.get(f"{API}/cash-books/{book_id}/arrears/").json()
    assert {row["member"] for row in arrears} >= {"Joko Santoso", "Sri Rahayu"}
    # members read the report, not the arrears or the entries list
    joko = client_as(w.joko)
    assert joko.get(f"{API}/cash-books/{book_id}/report/").status_code == 200
    assert joko.get(f"{API}/cash-books/{book_id}/arrears/").status_code == 403
    denied = joko.post(
        f"{API}/cash-books/{book_id}/entries/",
        {"direction": "in", "amount": "1", "category": "donasi", "description": "x"},
        HTTP_IDEMPOTENCY_KEY="e3",
    )
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "forbidden"
    # another RT's treasurer does not even see this book
    other = client_as(w.rt2.treasurer)
    assert other.get(f"{API}/cash-books/{book_id}/").status_code == 404
    assert (
        other.post(
            f"{API}/cash-books/{book_id}/entries/",
            {"direction": "in", "amount": "1", "category": "donasi", "description": "x"},
            HTTP_IDEMPOTENCY_KEY="e4",
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"direction": "in", "amount": "0", "category": "donasi", "description": "x"}, "invalid_amount"),
        ({"direction": "in", "amount": "-100", "category": "donasi", "description": "x"}, "invalid_amount"),
        ({"direction": "in", "amount": "100", "category": "kebersihan", "description": "x"}, "invalid_category"),
        ({"direction": "sideways", "amount": "100", "category": "donasi", "description": "x"}, "validation_failed"),
    ],
)
def test_bad_entries_are_422_and_change_nothing(world: World, body: dict[str, str], code: str) -> None:
    t = client_as(world.rt1.treasurer)
    response = t.post(f"{API}/cash-books/{world.rt1.book.pk}/entries/", body, HTTP_IDEMPOTENCY_KEY="bad")
    assert response.status_code == 422 and response.json()["error"]["code"] == code
    assert not CashBookEntry.objects.exists()


def test_missing_idempotency_key_is_422(world: World) -> None:
    t = client_as(world.rt1.treasurer)
    response = t.post(
        f"{API}/cash-books/{world.rt1.book.pk}/entries/",
        {"direction": "in", "amount": "100", "category": "donasi", "description": "x"},
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "idempotency_key_required"


def test_iuran_dues_pay_and_double_payment(scheduled: World) -> None:
    w = scheduled
    wallet = fund(w.joko, 15_000)
    joko = client_as(w.joko)
    dues = joko.get(f"{API}/iuran/dues/").json()
    assert dues["unpaid"][0] == {"month": "2026-01", "amount": 10_000}
    paid = joko.post(
        f"{API}/iuran/pay/", {"month": "2026-01", "method": "wallet"}, "application/json", HTTP_IDEMPOTENCY_KEY="p1"
    )
    assert paid.status_code == 201 and paid.json()["status"] == "paid"
    retry = joko.post(
        f"{API}/iuran/pay/", {"month": "2026-01", "method": "wallet"}, "application/json", HTTP_IDEMPOTENCY_KEY="p1"
    )
    assert retry.json()["id"] == paid.json()["id"] and balance(wallet) == 5_000
    twice = joko.post(
        f"{API}/iuran/pay/", {"month": "2026-01", "method": "wallet"}, "application/json", HTTP_IDEMPOTENCY_KEY="p2"
    )
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "already_paid"
    poor = joko.post(
        f"{API}/iuran/pay/", {"month": "2026-02", "method": "wallet"}, "application/json", HTTP_IDEMPOTENCY_KEY="p3"
    )
    assert poor.status_code == 409 and poor.json()["error"]["code"] == "insufficient_funds"
    qris = joko.post(
        f"{API}/iuran/pay/", {"month": "2026-02", "method": "qris"}, "application/json", HTTP_IDEMPOTENCY_KEY="p4"
    )
    assert qris.status_code == 201 and qris.json()["status"] == "pending" and qris.json()["qr_string"]
    assert joko.get(f"{API}/iuran/").json()["count"] == 2
    refreshed = joko.post(f"{API}/iuran/{qris.json()['id']}/refresh/")
    assert refreshed.json()["status"] == "pending"
    # the treasurer records cash through the API too
    t = client_as(w.rt1.treasurer)
    cash = t.post(
        f"{API}/cash-books/{w.rt1.book.pk}/iuran-cash/",
        {"member": w.sri.pk, "month": "2026-01"},
        "application/json",
        HTTP_IDEMPOTENCY_KEY="c1",
    )
    assert cash.status_code == 201 and cash.json()["method"] == "cash"
    assert IuranPayment.objects.filter(status="paid").count() == 2


def test_arisan_api_full_flow(world: World) -> None:
    w = world
    sri = client_as(w.sri)
    made = sri.post(
        f"{API}/arisan/",
        {
            "name": "Arisan API",
            "contribution": "20000",
            "period": "monthly",
            "draw_method": "random",
            "start_date": "2026-01-05",
        },
        "application/json",
    )
    assert made.status_code == 201, made.content
    gid = made.json()["id"]
    assert sri.post(f"{API}/arisan/{gid}/members/", {"user": w.joko.pk}, "application/json").status_code == 201
    assert sri.get(f"{API}/arisan/{gid}/verify/").status_code == 404  # nothing to verify yet
    committed = sri.post(f"{API}/arisan/{gid}/commit/").json()
    assert len(committed["seed_commitment"]) == 64 and committed["seed"] == ""
    drawn = sri.post(f"{API}/arisan/{gid}/draw/").json()
    assert drawn["status"] == "running" and drawn["seed"]
    joko = client_as(w.joko)
    check = joko.get(f"{API}/arisan/{gid}/verify/").json()
    assert check["ok"] and check["published_order"] == check["expected_order"]
    wrong = joko.get(f"{API}/arisan/{gid}/verify/", {"seed": "salah"}).json()
    assert not wrong["ok"] and not wrong["commitment_ok"]
    rounds = joko.get(f"{API}/arisan/{gid}/rounds/").json()
    first = rounds[0]["id"]
    early = sri.post(f"{API}/arisan-rounds/{first}/payout/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "contributions_missing"
    for person, client in ((w.sri, sri), (w.joko, joko)):
        fund(person, 20_000)
        paid = client.post(f"{API}/arisan-rounds/{first}/contribute/", {"method": "wallet"}, "application/json")
        assert paid.status_code == 201 and paid.json()["status"] == "paid"
    assert joko.post(f"{API}/arisan-rounds/{first}/payout/").status_code == 403
    out = sri.post(f"{API}/arisan-rounds/{first}/payout/")
    assert out.status_code == 200 and out.json()["status"] == "paid_out"
    assert client_as(w.andi).get(f"{API}/arisan/{gid}/").status_code == 404


def test_openapi_documents_the_community_api(client_a: Client, in_a: object) -> None:
    schema = client_a.get("/api/v1/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/community/cash-books/{id}/entries/",
        "/api/v1/community/cash-books/{id}/report/",
        "/api/v1/community/iuran/pay/",
        "/api/v1/community/arisan/{id}/verify/",
        "/api/v1/community/arisan-rounds/{id}/payout/",
    ):
        assert path in paths, path
    pay = paths["/api/v1/community/iuran/pay/"]["post"]
    assert {"201", "409", "422"} <= set(pay["responses"])
    assert any(p["name"] == "Idempotency-Key" for p in pay["parameters"])
