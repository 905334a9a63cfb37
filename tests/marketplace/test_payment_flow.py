"""Paying orders through the payments app's interface: wallet, QRIS (sandbox gateway) and
cash on delivery; refunds on cancel and after delivery; money that arrives too late."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from apps.core.errors import Conflict, Forbidden
from apps.marketplace import services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Order, OrderEvent, Stock
from apps.notifications.models import Message
from apps.payments import services as payments
from apps.payments.models import Account, GatewayCharge, PaymentRequest
from tests.marketplace.conftest import Market, key

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def wallet_of(user: Any) -> Account:
    return payments.ensure_wallet(user)


def fund(user: Any, amount: int) -> Account:
    wallet = wallet_of(user)
    payments.top_up(wallet, amount, reference="test", idempotency_key=key())
    return wallet


def stock_of(variant: Any) -> tuple[int, int]:
    stock = Stock.objects.get(variant=variant, location__kind="shop")
    return stock.quantity, stock.quantity_allocated


def order_for(market: Market, variant: Any, n: int) -> Order:
    return services.place_orders(market.joko, [(variant.pk, n)], idempotency_key=key()).orders[0]


def test_wallet_payment_makes_the_order_paid_at_once(market: Market) -> None:
    wallet = fund(market.joko, 100_000)
    order = order_for(market, market.keripik, 2)
    outcome = services.pay_order(order, "wallet", payer=market.joko, idempotency_key="pay")
    assert outcome.status == "paid"
    order.refresh_from_db()
    assert order.status == Status.PAID and order.paid_at is not None and order.payment_method == "wallet"
    wallet.refresh_from_db()
    shop_account = Account.objects.get(pk=market.pecel.payment_account_id)
    assert wallet.balance == 70_000
    assert shop_account.balance == 30_000 - payments.fee_for(30_000)
    # paying again with the same key moves nothing more
    services.pay_order(order, "wallet", payer=market.joko, idempotency_key="pay")
    wallet.refresh_from_db()
    assert wallet.balance == 70_000
    assert Message.objects.filter(recipient=market.sri, event="marketplace.order_paid").exists()


def test_not_enough_wallet_balance_is_409_and_the_order_waits(market: Market) -> None:
    fund(market.joko, 10_000)
    order = order_for(market, market.keripik, 2)
    with pytest.raises(Conflict) as caught:
        services.pay_order(order, "wallet", payer=market.joko, idempotency_key="pay")
    assert caught.value.code == "insufficient_funds"
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and order.payment_method == ""


def test_checkout_with_a_refused_payment_writes_nothing(market: Market) -> None:
    fund(market.joko, 10_000)
    with pytest.raises(Conflict):
        services.place_and_pay(
            market.joko, [(market.keripik.pk, 2)], idempotency_key="checkout-1", payment_method="wallet"
        )
    assert not Order.objects.exists() and stock_of(market.keripik) == (10, 0)
    # the same key may then be used with another payment choice
    result = services.place_and_pay(
        market.joko, [(market.keripik.pk, 2)], idempotency_key="checkout-2", payment_method="cod"
    )
    assert result.orders[0].status == Status.COD


def test_qris_settlement_from_the_gateway_makes_the_order_paid(
    market: Market, django_capture_on_commit_callbacks: Capture
) -> None:
    order = order_for(market, market.nasi, 3)
    outcome = services.pay_order(order, "qris", payer=market.joko, idempotency_key="qris")
    assert outcome.status == "pending" and outcome.qr_string.startswith("000201")
    order.refresh_from_db()
    assert order.status == Status.AWAITING_PAYMENT and order.payment_method == "qris"
    charge = GatewayCharge.objects.get(payment_request_id=order.payment_request_id)
    with django_capture_on_commit_callbacks(execute=True):
        payments.sandbox_pay(charge.order_id)  # the buyer's bank app pays; the gateway notifies
    order.refresh_from_db()
    assert order.status == Status.PAID
    event = OrderEvent.objects.get(order=order, action="pay")
    assert event.actor is None and "qris" in event.note


def test_sync_is_idempotent_and_ignores_unpaid_requests(market: Market) -> None:
    order = order_for(market, market.nasi, 1)
    assert services.sync_payment(order.pk).status == Status.AWAITING_PAYMENT  # type: ignore[union-attr]
    assert services.sync_payment(987654) is None


def test_cash_on_delivery_end_to_end(market: Market) -> None:
    result = services.place_and_pay(
        market.joko,
        [(market.sambal.pk, 2)],
        idempotency_key=key(),
        payment_method="cod",
        delivery="own",
        address="Gg. II",
    )
    order = result.orders[0]
    assert order.status == Status.COD
    request = PaymentRequest.objects.get(pk=order.payment_request_id)
    assert request.status == PaymentRequest.Status.AWAITING_CASH
    for action in ("accept", "pack", "ship", "deliver"):
        services.transition(order, action, actor=market.sri)
    request.refresh_from_db()
    assert request.status == PaymentRequest.Status.PAID and request.paid_method == "cod"
    order = services.transition(order, "complete", actor=market.joko)
    assert order.status == Status.COMPLETED


def test_cancelling_a_wallet_paid_order_gives_the_money_back(market: Market) -> None:
    wallet = fund(market.joko, 50_000)
    order = order_for(market, market.keripik, 2)
    services.pay_order(order, "wallet", payer=market.joko, idempotency_key="p")
    services.transition(order, "cancel", actor=market.joko, note="berubah pikiran")
    order.refresh_from_db()
    wallet.refresh_from_db()
    assert order.status == Status.CANCELLED and order.refunded_amount == 30_000
    assert wallet.balance == 50_000
    assert stock_of(market.keripik) == (10, 0)
    assert "dikembalikan" in OrderEvent.objects.get(order=order, action="cancel").note


def test_refund_after_delivery_returns_money_and_goods(market: Market) -> None:
    wallet = fund(market.joko, 50_000)
    order = order_for(market, market.keripik, 2)
    services.pay_order(order, "wallet", payer=market.joko, idempotency_key="p")
    for action in ("accept", "pack", "ship", "deliver"):
        services.transition(order, action, actor=market.sri)
    assert stock_of(market.keripik) == (8, 0)
    services.transition(order, "complete", actor=market.joko)
    with pytest.raises(Forbidden):  # the buyer cannot refund
        services.transition(order, "refund", actor=market.joko)
    order = services.transition(order, "refund", actor=market.sri, note="barang rusak")
    wallet.refresh_from_db()
    assert order.status == Status.REFUNDED and wallet.balance == 50_000
    assert stock_of(market.keripik) == (10, 0)


def test_money_arriving_after_expiry_goes_back(market: Market, django_capture_on_commit_callbacks: Capture) -> None:
    order = order_for(market, market.nasi, 1)
    services.pay_order(order, "qris", payer=market.joko, idempotency_key="q")
    charge = GatewayCharge.objects.get(payment_request_id=order.payment_request_id)
    services.transition(order, "expire", actor=None)
    with django_capture_on_commit_callbacks(execute=True):
        payments.sandbox_gateway().pay(charge.order_id)  # the bank paid anyway, just too late
        from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, notification_body
        from apps.sandbox.models import SandboxTransaction

        tx = SandboxTransaction.objects.get(order_id=charge.order_id)
        payments.receive_notification(notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY))
    order.refresh_from_db()
    request = PaymentRequest.objects.get(pk=order.payment_request_id)
    assert order.status == Status.EXPIRED
    assert request.refunded_amount == request.amount == order.refunded_amount
    assert OrderEvent.objects.filter(order=order, action="late_payment_refunded").exists()
