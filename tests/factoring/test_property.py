"""Property test (hypothesis): for any platform MDR (off, 0,7%, 3%) and any sequence of
financing, payment (any part), default, recourse by the officer, top-ups and replays on a few
invoices, the ledger says what the financings say:

* the lender's factoring receivable = − the advances still out;
* the lender's income = the fees paid;
* the seller's wallet = advances − recourse + money put in for recourse;
* the platform fee account = the MDR the seller bore (never more than the seller's remainder of
  a payment: each payment = principal + fee + MDR borne + what the seller kept, so the lender
  was never short);
* the shop account = buyer payments − what went to the lender − the MDR borne;
* so buyer payments = principal back + fees + MDR + what the seller kept, and no account that
  may not go negative does."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.db.models import Sum
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from apps.core.errors import DomainError
from apps.factoring import services
from apps.factoring.models import Financing
from apps.invoicing import services as invoicing
from apps.invoicing.models import Invoice, InvoiceEvent
from apps.payments import services as payments
from apps.payments.models import Account, PaymentRequest

from .conftest import World, fund, invoice_for, key, pay

OPS = st.lists(
    st.one_of(
        st.tuples(st.just("invoice"), st.integers(100_000, 2_000_000)),
        st.tuples(st.just("finance"), st.integers(0, 5)),
        st.tuples(st.just("pay"), st.integers(1, 2_000_000)),
        st.tuples(st.just("default"), st.integers(0, 5)),
        st.tuples(st.just("recourse"), st.integers(0, 300_000)),
        st.tuples(st.just("topup"), st.integers(1, 500_000)),
        st.tuples(st.just("spend"), st.integers(1, 800_000)),
        st.tuples(st.just("replay"), st.integers(0, 0)),
    ),
    min_size=1,
    max_size=10,
)


def _sum(field: str) -> int:
    return int(Financing.objects.aggregate(s=Sum(field))["s"] or 0)


def _balance(account: Account) -> int:
    account.refresh_from_db()
    return account.balance


def _invariants(world: World, topped: int, spent: int, paid: int) -> None:
    advance, repaid, recourse, fee_paid = _sum("advance"), _sum("repaid"), _sum("recourse"), _sum("fee_paid")
    assert _balance(services.receivable_account(world.lender)) == -(advance - repaid - recourse)
    assert _balance(world.lender.income_account) == fee_paid
    assert _balance(payments.ensure_wallet(world.seller)) == advance - recourse + topped - spent
    kept = _balance(world.inv.shop.payment_account)
    mdr = _balance(payments.platform_fee_account())
    assert kept == paid - repaid - fee_paid - mdr
    assert paid == repaid + fee_paid + mdr + kept
    for step in InvoiceEvent.objects.filter(action="fin_payment"):
        data = step.data
        bill = PaymentRequest.objects.get(pk=data["payment_request"])
        assert data["seller"] >= 0 and data["mdr"] + data["mdr_rebate"] == bill.paid_entry.fee
        assert data["principal"] + data["fee"] + data["mdr"] + data["seller"] == bill.amount
    assert not Account.objects.filter(allow_negative=False, balance__lt=0).exists()
    for f in Financing.objects.all():
        assert 0 <= f.outstanding <= f.advance and 0 <= f.fee_paid <= f.fee
        if f.status == "settled":
            assert f.outstanding == 0 and f.fee_paid == f.fee


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS, mdr_bps=st.sampled_from([0, 70, 300]))
def test_any_sequence_keeps_the_ledger_balanced(world: World, ops: list[tuple[str, int]], mdr_bps: int) -> None:
    sid = connection.savepoint()
    settings_override = override_settings(PAYMENTS_FEE_BPS=mdr_bps)
    settings_override.enable()
    try:
        invoices: list[Invoice] = []
        topped = spent = paid = 0
        last_bill: int | None = None
        for op, arg in ops:
            try:
                if op == "invoice":
                    invoices.append(invoice_for(world, arg))
                elif op == "finance" and invoices:
                    target = invoices[arg % len(invoices)]
                    services.do_accept_financing(target.pk, world.seller, product_id=world.product.pk)
                elif op == "pay" and invoices:
                    target = invoices[arg % len(invoices)]
                    target.refresh_from_db()
                    amount = min(arg, target.remaining)
                    if target.is_open and not target.disputed and amount > 0:
                        last_bill = pay(world, target, amount)
                        paid += amount
                elif op == "default" and invoices:
                    target = invoices[arg % len(invoices)]
                    financing = Financing.objects.filter(invoice=target).first()
                    if financing is not None:
                        services.do_mark_default(target.pk, None, on=financing.default_on + dt.timedelta(days=1))
                elif op == "recourse" and invoices:
                    target = invoices[arg % len(invoices)]
                    services.do_take_recourse(target.pk, world.officer, amount=arg or None)
                elif op == "topup":
                    fund(world.seller, arg)
                    topped += arg
                elif op == "spend":
                    wallet = payments.ensure_wallet(world.seller)
                    amount = min(arg, _balance(wallet))
                    if amount:
                        payments.transfer(
                            wallet,
                            payments.ensure_wallet(world.buyer),
                            amount,
                            idempotency_key=f"spend-{key()}",
                        )
                        spent += amount
                elif op == "replay" and last_bill is not None:
                    invoicing.record_payment(last_bill)
            except DomainError:
                pass  # refused (financed twice, no offer over the limit...): nothing moved
            _invariants(world, topped, spent, paid)
    finally:
        settings_override.disable()
        connection.savepoint_rollback(sid)
