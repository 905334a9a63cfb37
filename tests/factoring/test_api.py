"""Lender partner API (/api/v1/factoring/): filters, portfolio by buyer and ageing (hand
computed), one financing with its timeline, default and recourse, product terms, errors in
Bahasa Indonesia and English, the partner's API token, and isolation from a second lender in the
same kelurahan and a lender in another kelurahan.

Every financing here: a Rp100.000 invoice, seller never scored and buyer without history on an
80% / 2% flat product → 60% advance = Rp60.000 (test_financing.py computes the same terms)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from apps.accounts import api_tokens
from apps.factoring import selectors, services
from apps.factoring.models import FactoringProduct, Financing
from apps.invoicing.models import Invoice
from apps.lending.models import Lender, LoanEvent
from apps.payments import services as payments
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import client_for
from tests.invoicing.conftest import manual, signed_in

from .conftest import World, fund, invoice_for, key, make_factoring_world, make_product, pay

BASE = "/api/v1/factoring"


@pytest.fixture(autouse=True)
def _no_mdr(settings: object) -> None:
    settings.PAYMENTS_FEE_BPS = 0  # type: ignore[attr-defined]


def finance(world: World, *, amount: int = 100_000, buyer: Any = None, buyer_name: str = "Toko Maju") -> Financing:
    invoice = manual(world.inv, ("Nasi kotak", "1", amount), buyer=buyer, buyer_name=buyer_name)
    return services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)


def due_in(financing: Financing, days: int) -> None:
    """Move the financed invoice's due date `days` from today (negative: past due)."""
    due = selectors.today() + dt.timedelta(days=days)
    Invoice.objects.filter(pk=financing.invoice_id).update(issue_date=min(due, selectors.today()), due_date=due)


def post(client: Client, path: str, body: dict[str, Any] | None = None, **headers: str) -> Any:
    return client.post(path, json.dumps(body or {}), content_type="application/json", **headers)


def rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) and "results" in data else data


@pytest.fixture
def book(world: World, tenant_a: Tenant) -> dict[str, Financing]:
    """Five financings: Toko Maju (pak Joko) not yet due, 1 and 45 days late (Rp10.000 of the
    last one paid back); Warung RT (the ketua RT) 90 and 91 days late."""
    with tenant_a:
        rt = world.inv.people.ketua_rt
        made = {
            "current": finance(world),
            "d30": finance(world),
            "d60": finance(world),
            "d90": finance(world, buyer=rt, buyer_name="Warung RT"),
            "over90": finance(world, buyer=rt, buyer_name="Warung RT"),
        }
        for name, days in (("current", 5), ("d30", -1), ("d60", -45), ("d90", -90), ("over90", -91)):
            due_in(made[name], days)
        invoice = Invoice.objects.get(pk=made["d60"].invoice_id)
        pay(world, invoice, 10_000)
        return made


def test_list_filters_and_bad_filter(world: World, tenant_a: Tenant, book: dict[str, Financing]) -> None:
    officer = signed_in(tenant_a, world.officer)
    assert len(rows(officer.get(f"{BASE}/financings/"))) == 5
    with tenant_a:
        rt_key = Financing.objects.get(pk=book["d90"].pk).buyer_key
    by_buyer = rows(officer.get(f"{BASE}/financings/", {"buyer": rt_key}))
    assert {row["id"] for row in by_buyer} == {book["d90"].pk, book["over90"].pk}
    assert len(rows(officer.get(f"{BASE}/financings/", {"buyer_name": "warung"}))) == 2
    today = selectors.today()
    window = {"due_from": str(today - dt.timedelta(days=60)), "due_to": str(today)}
    assert {row["id"] for row in rows(officer.get(f"{BASE}/financings/", window))} == {
        book["d30"].pk,
        book["d60"].pk,
    }
    assert len(rows(officer.get(f"{BASE}/financings/", {"status": "settled"}))) == 0
    assert len(rows(officer.get(f"{BASE}/financings/", {"status": ["disbursed", "settled"]}))) == 5
    bad = officer.get(f"{BASE}/financings/", {"due_from": "kemarin", "status": "hilang"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_filter"
    assert bad.json()["error"]["message"] == "Parameter penyaringan tidak valid."
    english = officer.get(f"{BASE}/financings/", {"due_from": "kemarin"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 400 and english.json()["error"]["message"] == "Invalid filter parameter."


def test_portfolio_by_buyer_and_ageing_are_hand_computed(
    world: World, tenant_a: Tenant, book: dict[str, Financing]
) -> None:
    officer = signed_in(tenant_a, world.officer)
    buyers = officer.get(f"{BASE}/financings/by-buyer/").json()
    # Toko Maju: 60.000 + 60.000 + 50.000 out; (0 + 1 + 45) / 3 = 15,3 days late.
    # Warung RT: 120.000 out; (90 + 91) / 2 = 90,5 days late. Largest outstanding first.
    assert [
        (r["buyer"], r["count"], r["advance"], r["repaid"], r["outstanding"], r["avg_days_late"]) for r in buyers
    ] == [
        ("Toko Maju", 3, 180_000, 10_000, 170_000, 15.3),
        ("Warung RT", 2, 120_000, 0, 120_000, 90.5),
    ]
    ageing = officer.get(f"{BASE}/financings/ageing/").json()
    assert ageing["as_of"] == str(selectors.today())
    assert [(b["bucket"], b["count"], b["outstanding"]) for b in ageing["buckets"]] == [
        ("current", 1, 60_000),
        ("d30", 1, 60_000),
        ("d60", 1, 50_000),
        ("d90", 1, 60_000),
        ("over90", 1, 60_000),
    ]
    # the same filters narrow both
    only_rt = officer.get(f"{BASE}/financings/ageing/", {"buyer_name": "Warung"}).json()
    assert sum(b["outstanding"] for b in only_rt["buckets"]) == 120_000
    assert [r["buyer"] for r in officer.get(f"{BASE}/financings/by-buyer/", {"buyer_name": "Warung"}).json()] == [
        "Warung RT"
    ]
    page = officer.get("/pembiayaan/petugas/").content.decode()
    assert 'data-bucket="d60"' in page and ("90,5" in page or "90.5" in page)


def test_one_financing_with_its_timeline(world: World, tenant_a: Tenant, book: dict[str, Financing]) -> None:
    officer = signed_in(tenant_a, world.officer)
    detail = officer.get(f"{BASE}/financings/{book['d60'].pk}/").json()
    assert (detail["advance"], detail["repaid"], detail["outstanding"]) == (60_000, 10_000, 50_000)
    actions = [event["action"] for event in detail["events"]]
    assert actions[0] == "issue" and "financed" in actions and "fin_payment" in actions
    assert actions.index("financed") < actions.index("fin_payment")
    [step] = [event for event in detail["events"] if event["action"] == "fin_payment"]
    assert step["details"] == {"principal": 10_000, "fee": 0, "mdr": 0, "mdr_rebate": 0, "seller": 0}
    assert step["details"]["principal"] == 10_000 and step["amount"] == 10_000


def test_default_and_recourse_through_the_api(world: World, tenant_a: Tenant) -> None:
    with tenant_a:
        financing = finance(world)
        wallet = payments.ensure_wallet(world.seller)
        payments.transfer(wallet, payments.ensure_wallet(world.buyer), 60_000, idempotency_key=key())
    officer = signed_in(tenant_a, world.officer)
    url = f"{BASE}/financings/{financing.pk}"
    early = post(officer, f"{url}/default/")
    assert early.status_code == 409 and early.json()["error"]["code"] == "not_due"
    not_defaulted = post(officer, f"{url}/recourse/", {"amount": 1_000})
    assert not_defaulted.status_code == 409 and not_defaulted.json()["error"]["code"] == "not_defaulted"
    with tenant_a:
        Financing.objects.filter(pk=financing.pk).update(default_on=selectors.today() - dt.timedelta(days=1))
    defaulted = post(officer, f"{url}/default/", HTTP_IDEMPOTENCY_KEY="gagal-1")
    assert defaulted.status_code == 200
    assert (defaulted.json()["status"], defaulted.json()["recourse"]) == ("defaulted", 0)
    empty = post(officer, f"{url}/recourse/")
    assert empty.status_code == 409 and empty.json()["error"]["code"] == "nothing_to_take"
    with tenant_a:
        fund(world.seller, 30_000)
    first = post(officer, f"{url}/recourse/", {"amount": 20_000}, HTTP_IDEMPOTENCY_KEY="regres-1")
    assert first.status_code == 201, first.content
    assert (first.json()["taken"], first.json()["financing"]["outstanding"]) == (20_000, 40_000)
    replay = post(officer, f"{url}/recourse/", {"amount": 20_000}, HTTP_IDEMPOTENCY_KEY="regres-1")
    assert replay.status_code == 201 and replay["Idempotency-Replayed"] == "true"
    rest = post(officer, f"{url}/recourse/")
    assert (rest.json()["taken"], rest.json()["financing"]["outstanding"]) == (10_000, 30_000)
    bad = post(officer, f"{url}/recourse/", {"amount": "sepuluh"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 422 and bad.json()["error"]["message"] == "Invalid data."
    other = post(signed_in(tenant_a, world.other_officer), f"{url}/recourse/")
    assert other.status_code == 404
    with tenant_a:
        financing.refresh_from_db()
        assert (financing.recourse, financing.status) == (30_000, "defaulted")
        assert balance_of(services.receivable_account(world.lender)) == -30_000
        actions = list(
            selectors.timeline(financing)
            .filter(action__in=["fin_default", "fin_recourse"])
            .values_list("action", flat=True)
        )
        assert actions == ["fin_default", "fin_recourse", "fin_recourse"]


def balance_of(account: Any) -> int:
    account.refresh_from_db()
    return int(account.balance)


def test_product_terms(world: World, tenant_a: Tenant) -> None:
    officer = signed_in(tenant_a, world.officer)
    body = {
        "name": "Anjak Cepat",
        "advance_percent": 90,
        "fee_basis": "per_day",
        "fee_bp": 4,
        "limit_per_seller": 10_000_000,
        "limit_per_buyer": 20_000_000,
    }
    created = post(officer, f"{BASE}/products/", body, HTTP_IDEMPOTENCY_KEY="produk-1")
    assert created.status_code == 201, created.content
    product = created.json()
    assert (product["lender"], product["grace_days"], product["is_active"]) == (world.lender.pk, 30, True)
    again = post(officer, f"{BASE}/products/", body, HTTP_IDEMPOTENCY_KEY="produk-1")
    assert again.status_code == 201 and again.json()["id"] == product["id"]
    taken = post(officer, f"{BASE}/products/", body)
    assert taken.status_code == 409 and taken.json()["error"]["code"] == "product_exists"
    too_low = officer.patch(
        f"{BASE}/products/{product['id']}/", {"advance_percent": 40}, content_type="application/json"
    )
    assert too_low.status_code == 422 and too_low.json()["error"]["details"]["field"] == "advance_percent"
    assert "Uang muka harus antara 50% dan 100%" in too_low.json()["error"]["message"]
    too_dear = officer.patch(f"{BASE}/products/{product['id']}/", {"fee_bp": 51}, content_type="application/json")
    assert too_dear.status_code == 422 and too_dear.json()["error"]["details"]["field"] == "fee_bp"
    bad_basis = officer.patch(
        f"{BASE}/products/{product['id']}/",
        {"fee_basis": "bulanan"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert bad_basis.status_code == 422 and bad_basis.json()["error"]["message"] == "Invalid data."
    # an 80% flat product: 90% now, and only new offers see it
    with tenant_a:
        old = finance(world)
    changed = officer.patch(
        f"{BASE}/products/{world.product.pk}/",
        {"advance_percent": 90, "limit_per_buyer": 5_000_000},
        content_type="application/json",
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["advance_percent"], changed.json()["limit_per_buyer"]) == (90, 5_000_000)
    with tenant_a:
        old.refresh_from_db()
        assert old.advance_percent == 60
        offers = {offer.product.pk: offer for offer in selectors.offers(invoice_for(world))}
        assert offers[world.product.pk].advance_percent == 70  # 90 − 15 (never scored) − 5 (no history)
        assert LoanEvent.objects.filter(lender=world.lender, action="factoring_terms").count() == 1
        assert FactoringProduct.objects.filter(lender=world.lender).count() == 2
    assert rows(officer.get(f"{BASE}/products/"))[0]["lender_name"] == "BPR Uji Faktur"
    other = signed_in(tenant_a, world.other_officer)
    assert (
        other.patch(
            f"{BASE}/products/{world.product.pk}/", {"fee_bp": 100}, content_type="application/json"
        ).status_code
        == 404
    )
    assert rows(other.get(f"{BASE}/products/")) == []
    warga = signed_in(tenant_a, world.buyer)
    refused = post(warga, f"{BASE}/products/", body | {"name": "Lain"})
    assert refused.status_code == 403
    english = post(warga, f"{BASE}/products/", body | {"name": "Lain"}, HTTP_ACCEPT_LANGUAGE="en")
    assert english.status_code == 403
    assert english.json()["error"]["message"] == "Only financial institution officers may use this API."


def test_partner_token_and_isolation(world: World, tenant_a: Tenant, tenant_b: Tenant) -> None:
    """The partner's credential is its officer's API token. A second lender in the same
    kelurahan and a lender in another kelurahan see none of this lender's financings."""
    with tenant_a:
        mine = finance(world)
        other_lender_product = make_product(Lender.objects.get(name="Koperasi Lain Faktur"), name="Produk lain")
        theirs_invoice = invoice_for(world)
        theirs = services.do_accept_financing(theirs_invoice.pk, world.seller, product_id=other_lender_product.pk)
        token = api_tokens.issue_token(world.officer, "sistem BPR").key
    with tenant_b:
        far = make_factoring_world("b-")
        far_financing = services.do_accept_financing(invoice_for(far).pk, far.seller, product_id=far.product.pk)
        far_token = api_tokens.issue_token(far.officer, "sistem koperasi").key
    partner = client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {token}")
    assert [row["id"] for row in rows(partner.get(f"{BASE}/financings/"))] == [mine.pk]
    assert partner.get(f"{BASE}/financings/{theirs.pk}/").status_code == 404
    assert [r["outstanding"] for r in partner.get(f"{BASE}/financings/by-buyer/").json()] == [60_000]
    neighbour = signed_in(tenant_a, world.other_officer)
    assert [row["id"] for row in rows(neighbour.get(f"{BASE}/financings/"))] == [theirs.pk]
    assert neighbour.get(f"{BASE}/financings/{mine.pk}/").status_code == 404
    assert post(neighbour, f"{BASE}/financings/{mine.pk}/default/").status_code == 404
    assert sum(b["outstanding"] for b in neighbour.get(f"{BASE}/financings/ageing/").json()["buckets"]) == 600_000
    # the other kelurahan's lender: its token is unknown here, and at home it sees only its own
    assert client_for(tenant_a, HTTP_AUTHORIZATION=f"Token {far_token}").get(f"{BASE}/financings/").status_code == 401
    far_partner = client_for(tenant_b, HTTP_AUTHORIZATION=f"Token {far_token}")
    assert [row["id"] for row in rows(far_partner.get(f"{BASE}/financings/"))] == [far_financing.pk]
    assert client_for(tenant_b, HTTP_AUTHORIZATION=f"Token {token}").get(f"{BASE}/financings/").status_code == 401
    with tenant_a:
        assert Financing.objects.count() == 2


def test_list_query_budgets(world: World, tenant_a: Tenant) -> None:
    officer = signed_in(tenant_a, world.officer)

    def grow(count: int) -> None:
        with tenant_a:
            for index in range(count):
                buyer = world.inv.people.ketua_rt if index % 2 else None
                due_in(finance(world, buyer=buyer, buyer_name=f"Pembeli {index}"), -index * 20)
                make_product(world.lender, name=f"Produk {key()}")

    assert_list_budget(fetch=lambda: officer.get(f"{BASE}/financings/", {"status": "disbursed"}), grow=grow, n=2)
    assert_list_budget(fetch=lambda: officer.get(f"{BASE}/financings/by-buyer/"), grow=grow, n=2)
    assert_list_budget(fetch=lambda: officer.get(f"{BASE}/financings/ageing/"), grow=grow, n=2)
    assert_list_budget(fetch=lambda: officer.get(f"{BASE}/products/"), grow=grow, n=2)
