"""Accept, settle from the buyer's payments (partial, full, replayed), default and recourse, and
what is refused (disputed, financed twice, cancelling a financed invoice, over the limits).

Hand-computed: a Rp1.000.000 invoice, a seller never scored (−15 points, fee ×1,5) and a buyer
without history (−5 points, fee ×1,25) on an 80% / 2% flat product → 60% advance = Rp600.000,
fee 200 × 1,5 × 1,25 = 375 basis points of the face = Rp37.500. Platform MDR off (0 bps) so the
shop account receives every rupiah the buyer pays."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from apps.core.errors import Conflict, NotFound
from apps.factoring import selectors, services
from apps.factoring.models import Financing
from apps.invoicing import events
from apps.invoicing import services as invoicing
from apps.invoicing.models import InvoiceEvent
from apps.lending.models import CreditAssessment
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import Account
from apps.tenancy.models import Tenant
from tests.invoicing.conftest import signed_in

from .conftest import World, fund, invoice_for, key, make_product, pay


@pytest.fixture(autouse=True)
def _no_mdr(settings: object) -> None:
    settings.PAYMENTS_FEE_BPS = 0  # type: ignore[attr-defined]


def balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def test_offer_is_priced_from_score_and_buyer_history(world: World) -> None:
    invoice = invoice_for(world)
    [offer] = selectors.offers(invoice)
    assert (offer.advance_percent, offer.fee_bp, offer.advance, offer.estimated_fee) == (60, 375, 600_000, 37_500)
    CreditAssessment.objects.create(
        lender=world.lender,
        applicant=world.seller,
        as_of=dt.date(2026, 1, 1),
        features={},
        method="scorecard",
        pd=0.01,
        band="A",
        note="",
        applicant_text="",
    )
    pay(world, invoice_for(world, 50_000))  # pak Joko pays one invoice on the day it is issued
    [offer] = selectors.offers(invoice)
    assert (offer.advance_percent, offer.fee_bp, offer.advance, offer.estimated_fee) == (80, 200, 800_000, 20_000)


def test_accept_pay_in_parts_and_settle(world: World) -> None:
    invoice = invoice_for(world)
    financing = services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)
    assert (financing.advance, financing.fee, financing.fee_fixed, financing.status) == (
        600_000,
        37_500,
        True,
        "disbursed",
    )
    wallet = payments.ensure_wallet(world.seller)
    receivable = services.receivable_account(world.lender)
    assert (balance(wallet), balance(receivable)) == (600_000, -600_000)
    assert InvoiceEvent.objects.filter(invoice=invoice, action="financed", amount=600_000).exists()
    assert Message.objects.filter(recipient=world.buyer, event="factoring.assigned").exists()
    assert Message.objects.filter(recipient=world.officer, event="factoring.disbursed").exists()
    assert "BPR Uji Faktur" in events.notices(invoice.pk)[0]
    # the same acceptance again is the same financing; no second advance
    assert services.do_accept_financing(invoice.pk, world.seller, product_id=str(world.product.pk)) == financing
    assert balance(wallet) == 600_000

    first = pay(world, invoice, 400_000)
    financing.refresh_from_db()
    assert (financing.repaid, financing.fee_paid, financing.status) == (400_000, 0, "disbursed")
    shop = world.inv.shop.payment_account
    assert balance(shop) == 0
    invoicing.record_payment(first)  # a replayed task changes nothing
    financing.refresh_from_db()
    assert financing.repaid == 400_000

    pay(world, invoice)  # the remaining 600.000: 200.000 principal, 37.500 fee, 362.500 to the shop
    financing.refresh_from_db()
    assert (financing.repaid, financing.fee_paid, financing.status) == (600_000, 37_500, "settled")
    assert (balance(shop), balance(receivable), balance(world.lender.income_account)) == (362_500, 0, 37_500)
    assert Message.objects.filter(recipient=world.seller, event="factoring.settled").exists()


def test_per_day_fee_is_fixed_when_the_advance_is_back(world: World) -> None:
    product = make_product(world.lender, name="Per hari", fee_basis="per_day", fee_bp=5)
    world.product.is_active = False
    world.product.save()
    invoice = invoice_for(world)
    financing = services.do_accept_financing(invoice.pk, world.seller, product_id=product.pk)
    assert (financing.fee_bp, financing.fee, financing.fee_fixed) == (9, 0, False)  # 5 × 1,5 × 1,25 = 9,375 → 9
    pay(world, invoice)
    financing.refresh_from_db()
    # repaid the same day: one day × 0,09% × 600.000 = 540
    assert (financing.fee, financing.fee_paid, financing.status) == (540, 540, "settled")
    assert balance(world.inv.shop.payment_account) == 1_000_000 - 600_000 - 540


def test_default_takes_recourse_from_the_wallet_as_far_as_it_goes(world: World) -> None:
    invoice = invoice_for(world)
    financing = services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)
    pay(world, invoice, 100_000)
    wallet = payments.ensure_wallet(world.seller)
    payments.transfer(wallet, payments.ensure_wallet(world.buyer), 500_000, idempotency_key=key())
    with pytest.raises(Conflict) as refused:
        services.do_mark_default(invoice.pk, world.officer, on=financing.default_on)
    assert refused.value.code == "not_due"
    with pytest.raises(NotFound):  # another lender's officer
        services.do_mark_default(invoice.pk, world.other_officer, on=financing.default_on + dt.timedelta(days=1))
    late = financing.default_on + dt.timedelta(days=1)
    financing = services.do_mark_default(invoice.pk, world.officer, on=late)
    assert (financing.status, financing.recourse, financing.outstanding, balance(wallet)) == (
        "defaulted",
        100_000,
        400_000,
        0,
    )
    assert services.do_mark_default(invoice.pk, world.officer, on=late).recourse == 100_000  # nothing more to take
    fund(world.seller, 1_000_000)
    financing = services.do_mark_default(invoice.pk, None, on=late)
    assert (financing.status, financing.recourse, financing.outstanding) == ("recourse", 500_000, 0)
    assert balance(services.receivable_account(world.lender)) == 0
    pay(world, invoice)  # the buyer pays late after all: the lender's fee, the rest to the shop
    financing.refresh_from_db()
    assert (financing.status, financing.fee_paid) == ("settled", 37_500)
    assert balance(world.inv.shop.payment_account) == 900_000 - 37_500


def test_the_daily_check_defaults_what_is_past_grace(world: World) -> None:
    invoice = invoice_for(world)
    financing = services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)
    assert services.next_due() is not None
    assert services.check_defaults(on=financing.default_on) == 0
    assert services.check_defaults(on=financing.default_on + dt.timedelta(days=1)) == 1
    financing.refresh_from_db()
    assert financing.status == "recourse"  # the advance was still in the wallet
    assert services.next_due() is None


def test_refusals(world: World) -> None:
    invoice = invoice_for(world)
    invoicing.set_dispute(invoice.pk, world.buyer, disputed=True, reason="Barang kurang")
    with pytest.raises(Conflict) as refused:
        services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)
    assert refused.value.code == "disputed"
    invoicing.set_dispute(invoice.pk, world.buyer, disputed=False)
    with pytest.raises(Exception) as forbidden:
        services.do_accept_financing(invoice.pk, world.buyer, product_id=world.product.pk)
    assert getattr(forbidden.value, "status_code", None) == 403
    with pytest.raises(NotFound):
        services.do_accept_financing(invoice.pk, world.seller, product_id="x")
    services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)
    other = make_product(world.lender, name="Lain")
    with pytest.raises(Conflict) as twice:
        services.do_accept_financing(invoice.pk, world.seller, product_id=other.pk)
    assert twice.value.code == "already_financed"
    with pytest.raises(Conflict) as cancel:
        invoicing.cancel(invoice.pk, world.seller, reason="salah")
    assert cancel.value.code == "financed"
    assert Financing.objects.filter(invoice=invoice).count() == 1


def test_limits_per_buyer_and_seller(world: World) -> None:
    world.product.limit_per_buyer = 1_000_000
    world.product.save()
    services.do_accept_financing(invoice_for(world).pk, world.seller, product_id=world.product.pk)  # 600.000 out
    second = invoice_for(world)
    [offer] = selectors.offers(second)
    assert not offer.available and "pembeli" in offer.reason
    with pytest.raises(Conflict) as refused:
        services.do_accept_financing(second.pk, world.seller, product_id=world.product.pk)
    assert refused.value.code == "no_offer"


def test_pages_for_the_seller_and_the_officer(world: World, tenant_a: Tenant) -> None:
    invoice = invoice_for(world)
    seller = signed_in(tenant_a, world.seller)
    page = seller.get(f"/faktur/{invoice.pk}/")
    assert 'data-testid="ask-financing"' in page.content.decode()
    offers = seller.get(f"/pembiayaan/faktur/{invoice.pk}/")
    assert offers.status_code == 200 and 'data-testid="accept-financing"' in offers.content.decode()
    done = seller.post(f"/pembiayaan/faktur/{invoice.pk}/terima/", {"product": world.product.pk})
    assert done.status_code == 302
    with tenant_a:
        assert Financing.objects.filter(invoice=invoice).exists()
    shown = seller.get(f"/pembiayaan/faktur/{invoice.pk}/").content.decode()
    assert 'data-testid="financing-advance"' in shown and "600.000" in shown
    buyer_page = signed_in(tenant_a, world.buyer).get(f"/faktur/{invoice.pk}/").content.decode()
    assert 'data-testid="invoice-notice"' in buyer_page and "BPR Uji Faktur" in buyer_page
    assert signed_in(tenant_a, world.buyer).get(f"/pembiayaan/faktur/{invoice.pk}/").status_code == 404
    officer = signed_in(tenant_a, world.officer)
    portfolio = officer.get("/pembiayaan/petugas/").content.decode()
    assert "Toko Maju" in portfolio and 'data-testid="factoring-ageing"' in portfolio
    assert "Toko Maju" not in signed_in(tenant_a, world.other_officer).get("/pembiayaan/petugas/").content.decode()
    pdf = seller.get(f"/faktur/{invoice.pk}/pdf/")
    assert pdf.status_code == 200


@pytest.mark.parametrize("who", ["seller", "officer", "other_officer", "warga", "lurah"])
def test_role_matrix(world: World, tenant_a: Tenant, who: str) -> None:
    invoice = invoice_for(world)
    financing = services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)
    user = {
        "seller": world.seller,
        "officer": world.officer,
        "other_officer": world.other_officer,
        "warga": world.buyer,
        "lurah": world.inv.people.lurah,
    }[who]
    client: Client = signed_in(tenant_a, user)
    offers_page = client.get(f"/pembiayaan/faktur/{invoice.pk}/").status_code
    officer_page = client.get("/pembiayaan/petugas/").status_code
    listed = client.get("/api/v1/factoring/financings/").json()
    default = client.post(f"/api/v1/factoring/financings/{financing.pk}/default/").status_code
    expected = {
        "seller": (200, 404, 0, 404),
        "officer": (404, 200, 1, 409),  # not past due + grace yet
        "other_officer": (404, 200, 0, 404),
        "warga": (404, 404, 0, 404),
        "lurah": (404, 404, 0, 404),
    }[who]
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert (offers_page, officer_page, len(rows), default) == expected


def test_list_query_budgets(world: World, tenant_a: Tenant) -> None:
    from tests.budgets import assert_list_budget

    officer = signed_in(tenant_a, world.officer)

    def grow(count: int) -> None:
        with tenant_a:
            for _ in range(count):
                invoice = invoice_for(world, 100_000)
                services.do_accept_financing(invoice.pk, world.seller, product_id=world.product.pk)

    assert_list_budget(fetch=lambda: officer.get("/api/v1/factoring/financings/"), grow=grow, n=2)
    assert_list_budget(fetch=lambda: officer.get("/pembiayaan/petugas/"), grow=grow, n=2)
