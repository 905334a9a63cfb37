"""An ArisanGo voucher at the pasar's checkout: it pays the orders up to what is left on it, the
rest is paid as usual; once per checkout key; only the holder's; back onto the voucher when the
order is cancelled (to the wallet once it expired); the checkout page's queries."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apps.bazar import services
from apps.bazar.models import Voucher
from apps.core.errors import Conflict, NotFound
from apps.marketplace import services as market
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Order, Placement
from apps.payments import services as pay
from apps.payments.models import Account, PaymentRequest
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World, arisan_with_paid_round, fund, key
from tests.bazar.test_vouchers import _invariants
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db


def _balance(account_id: int | None) -> int:
    return Account.objects.get(pk=account_id).balance


def _voucher(world: World) -> Voucher:
    return services.pay_out_as_voucher(world.round1, actor=world.market.andi)  # Rp100.000 for joko


def test_the_voucher_pays_in_shop_order_and_the_wallet_pays_the_rest(world: World) -> None:
    """Hand-checked: pecel 4 × Rp15.000 = Rp60.000 (voucher pays all of it), oleh-oleh
    3 × Rp18.000 = Rp54.000 (voucher Rp40.000, wallet Rp14.000). Voucher used up."""
    m = world.market
    voucher = _voucher(world)
    wallet = pay.ensure_wallet(m.joko)
    fund(m.joko, 20_000)
    wallet_before = _balance(wallet.pk)
    result = market.place_and_pay(
        m.joko,
        [(m.keripik.pk, 4), (m.madumongso.pk, 3)],
        idempotency_key=key(),
        payment_method="wallet",
        voucher=voucher.code.lower(),
        expected_voucher_amount=100_000,
    )
    pecel, oleh = sorted(result.orders, key=lambda o: o.shop_id)
    assert pecel.shop_id == m.pecel.pk
    assert (pecel.total, pecel.voucher_amount, pecel.rest_to_pay) == (60_000, 60_000, 0)
    assert (pecel.status, pecel.payment_method, pecel.payment_request_id) == (Status.PAID, "voucher", None)
    assert (oleh.total, oleh.voucher_amount, oleh.rest_to_pay) == (54_000, 40_000, 14_000)
    assert oleh.status == Status.PAID and oleh.payment_method == "wallet"
    assert PaymentRequest.objects.get(pk=oleh.payment_request_id).amount == 14_000
    assert _balance(wallet.pk) == wallet_before - 14_000
    assert _balance(m.pecel.payment_account_id) == 60_000
    assert _balance(m.oleh.payment_account_id) == 40_000 + 14_000 - pay.fee_for(14_000)
    voucher.refresh_from_db()
    assert (voucher.remaining, voucher.status) == (0, Voucher.Status.USED)
    _invariants()


def test_a_double_submit_spends_the_voucher_once(world: World) -> None:
    m = world.market
    voucher = _voucher(world)
    same = key()
    first = market.place_and_pay(
        m.joko, [(m.keripik.pk, 2)], idempotency_key=same, payment_method="cod", voucher=voucher.code
    )
    again = market.place_and_pay(
        m.joko, [(m.keripik.pk, 2)], idempotency_key=same, payment_method="cod", voucher=voucher.code
    )
    assert again.replayed and [o.pk for o in again.orders] == [o.pk for o in first.orders]
    voucher.refresh_from_db()
    assert voucher.remaining == 70_000 and _balance(voucher.account_id) == 70_000
    with pytest.raises(Conflict):  # the same key without the voucher is another request
        market.place_and_pay(m.joko, [(m.keripik.pk, 2)], idempotency_key=same, payment_method="cod")
    _invariants()


def test_someone_elses_voucher_is_refused_and_nothing_is_written(world: World, tenant_a: Tenant) -> None:
    m = world.market
    voucher = _voucher(world)  # joko's
    with pytest.raises(NotFound):
        market.place_and_pay(
            m.andi, [(m.keripik.pk, 1)], idempotency_key=key(), payment_method="cod", voucher=voucher.code
        )
    assert not Order.objects.filter(buyer=m.andi).exists() and not Placement.objects.filter(buyer=m.andi).exists()
    api = signed_in(tenant_a, m.andi)
    answer = api.post(
        "/api/v1/marketplace/orders/",
        {"items": [{"variant": m.keripik.pk, "quantity": 1}], "payment_method": "cod", "voucher": voucher.code},
        content_type="application/json",
        headers={"Idempotency-Key": key()},
    )
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "voucher_not_found"
    voucher.refresh_from_db()
    assert voucher.remaining == 100_000


def test_a_changed_voucher_amount_is_shown_again_not_charged(world: World) -> None:
    m = world.market
    voucher = _voucher(world)
    services.redeem_voucher(voucher.code, m.pecel, 95_000, actor=m.sri, idempotency_key="till")
    with pytest.raises(Conflict) as refused:
        market.place_and_pay(
            m.joko,
            [(m.keripik.pk, 1)],
            idempotency_key=key(),
            payment_method="cod",
            voucher=voucher.code,
            expected_voucher_amount=15_000,
        )
    assert refused.value.code == "voucher_amount_changed"
    services.redeem_voucher(voucher.code, m.pecel, 5_000, actor=m.sri, idempotency_key="till-2")
    with pytest.raises(Conflict) as used_up:
        market.place_and_pay(
            m.joko, [(m.keripik.pk, 1)], idempotency_key=key(), payment_method="cod", voucher=voucher.code
        )
    assert used_up.value.code == "voucher_used_up"
    assert not Order.objects.filter(buyer=m.joko).exists()


def test_cancelling_gives_the_voucher_part_back_onto_the_voucher(world: World) -> None:
    m = world.market
    voucher = _voucher(world)
    fund(m.joko, 50_000)
    wallet = pay.ensure_wallet(m.joko)
    before = _balance(wallet.pk)
    # 8 × Rp15.000 = Rp120.000: voucher Rp100.000 (used up), wallet Rp20.000.
    order = market.place_and_pay(
        m.joko, [(m.keripik.pk, 8)], idempotency_key=key(), payment_method="wallet", voucher=voucher.code
    ).orders[0]
    assert (order.voucher_amount, order.rest_to_pay) == (100_000, 20_000)
    market.transition(order, "cancel", actor=m.joko, note="salah pesan")
    order.refresh_from_db()
    voucher.refresh_from_db()
    assert order.status == Status.CANCELLED and order.refunded_amount == 120_000
    assert (voucher.remaining, voucher.status, voucher.closed_at) == (100_000, Voucher.Status.ACTIVE, None)
    assert _balance(wallet.pk) == before
    assert _balance(m.pecel.payment_account_id) == 0
    _invariants()


def test_an_unpaid_order_that_expires_gives_the_voucher_part_back(world: World) -> None:
    m = world.market
    voucher = _voucher(world)
    order = market.place_orders(m.joko, [(m.keripik.pk, 8)], idempotency_key=key(), voucher=voucher.code).orders[0]
    assert order.status == Status.AWAITING_PAYMENT and order.rest_to_pay == 20_000
    assert market.expire_due_orders(now=timezone.now() + timedelta(days=1)) == 1
    voucher.refresh_from_db()
    assert voucher.remaining == 100_000 and voucher.status == Voucher.Status.ACTIVE
    _invariants()


def test_after_the_voucher_expired_the_part_goes_to_the_wallet(world: World) -> None:
    m = world.market
    voucher = _voucher(world)
    wallet = pay.ensure_wallet(m.joko)
    before = _balance(wallet.pk)
    order = market.place_and_pay(
        m.joko, [(m.keripik.pk, 2)], idempotency_key=key(), payment_method="cod", voucher=voucher.code
    ).orders[0]  # voucher Rp30.000 (all of it), Rp70.000 left on the voucher
    for action in ("accept", "pack", "ship", "deliver"):
        market.transition(order, action, actor=m.sri)
    Voucher.objects.filter(pk=voucher.pk).update(expires_on=timezone.localdate() - timedelta(days=1))
    services.expire_vouchers()  # the rest (Rp70.000) back to the wallet
    assert _balance(wallet.pk) == before + 70_000
    market.transition(order, "refund", actor=m.sri, note="basi")
    voucher.refresh_from_db()
    assert (voucher.status, voucher.remaining) == (Voucher.Status.EXPIRED, 0)
    assert _balance(wallet.pk) == before + 100_000
    _invariants()


def test_a_second_voucher_holder_pays_with_their_own(world: World) -> None:
    """Two vouchers, two holders: each checkout takes from its own voucher only."""
    m = world.market
    mine = _voucher(world)
    _group, round_ = arisan_with_paid_round(m.sri, m.andi, name="Arisan Dua")
    theirs = services.pay_out_as_voucher(round_, actor=m.sri)
    market.place_and_pay(m.andi, [(m.nasi.pk, 1)], idempotency_key=key(), payment_method="cod", voucher=theirs.code)
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.remaining, theirs.remaining) == (100_000, 88_000)


def _checkout_page(client: object, tenant: Tenant) -> tuple[str, int]:
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/pasar/checkout/")  # type: ignore[attr-defined]
    assert page.status_code == 200
    return page.content.decode(), len(queries)


def test_the_checkout_page_offers_the_buyers_vouchers_and_places_with_one(world: World, tenant_a: Tenant) -> None:
    """The page offers the buyer's vouchers (one query, however many: the budget is the page's
    before plus that one), the quote shows the split, and the form places the order with it."""
    m = world.market
    buyer = signed_in(tenant_a, m.joko)
    buyer.post("/pasar/keranjang/tambah/", {"variant": m.keripik.pk, "quantity": 2})
    assert buyer.post("/pasar/checkout/").status_code == 302
    _checkout_page(buyer, tenant_a)  # warm (the first request fills caches)
    html, without = _checkout_page(buyer, tenant_a)
    assert 'data-testid="checkout-vouchers"' not in html
    voucher = _voucher(world)
    _group, round2 = arisan_with_paid_round(m.andi, m.joko, name="Arisan Tiga")
    services.pay_out_as_voucher(round2, actor=m.andi)
    html, with_two = _checkout_page(buyer, tenant_a)
    assert 'data-testid="checkout-vouchers"' in html and voucher.code in html
    assert with_two == without  # the options query runs either way: no query per voucher
    form_key = re.search(r'name="idempotency_key" value="([0-9a-f]+)"', html)
    assert form_key is not None
    data = {
        "idempotency_key": form_key.group(1),
        f"delivery_{m.pecel.pk}": "pickup",
        "payment_method": "cod",
        "voucher": voucher.code,
    }
    quote = buyer.post("/pasar/checkout/ongkir/", data).content.decode()
    assert 'data-testid="checkout-voucher"' in quote and 'name="quoted_voucher" value="30000"' in quote
    stranger = {**data, "voucher": "NOTMINE234"}
    assert buyer.post("/pasar/checkout/pesan/", stranger).status_code == 422
    placed = buyer.post("/pasar/checkout/pesan/", {**data, "quoted_voucher": "30000"})
    assert placed.status_code == 302
    order = Order.objects.get(buyer=m.joko)
    assert (order.voucher_amount, order.status, order.payment_method) == (30_000, Status.PAID, "voucher")
    assert buyer.post("/pasar/checkout/pesan/", {**data, "quoted_voucher": "30000"}).status_code == 302  # again
    voucher.refresh_from_db()
    assert voucher.remaining == 70_000
    page = buyer.get(f"/pasar/pesanan/{order.public_id}/").content.decode()
    assert 'data-testid="order-voucher"' in page
