"""Typed payment events: handlers by reference kind, run after the paying transaction commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.db import transaction

from apps.payments import events, services
from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, notification_body
from apps.payments.models import GatewayCharge

from .conftest import People, fund, key

Capture = Callable[..., AbstractContextManager[list[Callable[[], None]]]]


@pytest.fixture
def seen() -> Iterator[list[Any]]:
    got: list[Any] = []
    events.on_settled("testkind", got.append)
    events.on_refunded("testkind", got.append)
    yield got
    events.unregister("testkind")


def test_split_reference() -> None:
    assert events.split_reference("order:0f3a") == ("order", "0f3a")
    assert events.split_reference("") == ("", "")
    assert events.split_reference("plain bill") == ("", "")
    assert events.split_reference("order:") == ("", "")


def test_a_kind_has_one_handler() -> None:
    def first(event: events.PaymentSettled) -> None: ...

    def second(event: events.PaymentSettled) -> None: ...

    events.on_settled("onlyone", first)
    try:
        events.on_settled("onlyone", first)  # the same handler again (a second ready()) is fine
        with pytest.raises(ValueError, match="already has a handler"):
            events.on_settled("onlyone", second)
    finally:
        events.unregister("onlyone")
    with pytest.raises(ValueError):
        events.on_settled("bad:kind", first)


def test_the_marketplace_handles_orders() -> None:
    assert "order" in events.settled_kinds()


def test_settled_and_refunded_reach_the_handler_after_commit(
    people: People, seen: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    fund(people.joko_wallet, 50_000)
    request = services.create_payment_request(people.shop, 20_000, reference="testkind:42", actor=people.sri)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        entry = services.pay_request_with_wallet(request, people.joko, idempotency_key=key())
    assert seen == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert len(seen) == 1
    settled = seen[0]
    assert isinstance(settled, events.PaymentSettled)
    assert (settled.request_id, settled.kind, settled.key) == (request.pk, "testkind", "42")
    assert (settled.amount, settled.method, settled.bill_number) == (20_000, "wallet", request.bill_number)

    k = key()
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(entry, 5_000, idempotency_key=k, actor=people.sri)
    with django_capture_on_commit_callbacks(execute=True):
        services.refund(entry, 5_000, idempotency_key=k, actor=people.sri)  # a replay is no new event
    assert [type(e) for e in seen] == [events.PaymentSettled, events.PaymentRefunded]
    assert seen[1].amount == 5_000 and seen[1].key == "42"


def test_cash_on_delivery_settles_too(
    people: People, seen: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    request = services.create_payment_request(people.shop, 7_000, reference="testkind:7", actor=people.sri)
    with django_capture_on_commit_callbacks(execute=True):
        services.confirm_cash_received(request, actor=people.sri)
    assert [(e.kind, e.key, e.method) for e in seen] == [("testkind", "7", "cod")]


def test_a_settled_kind_nobody_handles_is_logged_as_an_error(
    people: People, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Capture
) -> None:
    fund(people.joko_wallet, 50_000)
    request = services.create_payment_request(people.shop, 3_000, reference="nobody:1", actor=people.sri)
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_request_with_wallet(request, people.joko, idempotency_key=key())
    errors = [r for r in caplog.records if r.name == "apps.payments.events" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "nobody" in errors[0].getMessage()


def test_a_plain_bill_is_no_event(
    people: People, seen: list[Any], caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Capture
) -> None:
    fund(people.joko_wallet, 50_000)
    request = services.create_payment_request(people.shop, 3_000, description="Pecel", actor=people.sri)
    with django_capture_on_commit_callbacks(execute=True):
        services.pay_request_with_wallet(request, people.joko, idempotency_key=key())
    assert seen == []
    assert not [r for r in caplog.records if r.name == "apps.payments.events"]


def _settlement(charge: GatewayCharge) -> dict[str, Any]:
    """The gateway's settled notification for a charge the payer's bank app paid."""
    tx = services.sandbox_gateway().pay(charge.order_id)
    return notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY)


def test_a_settled_top_up_reaches_the_handler_once_after_commit(
    people: People, seen: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    charge = services.start_top_up(people.joko_wallet, 15_000, actor=people.joko, reference="testkind:9")
    assert charge.reference == "testkind:9"
    body = _settlement(charge)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.receive_notification(body)
    assert seen == []  # nothing before commit
    for callback in callbacks:
        callback()
    assert len(seen) == 1
    settled = seen[0]
    assert isinstance(settled, events.PaymentSettled)
    assert (settled.request_id, settled.charge_id, settled.bill_number) == (None, charge.pk, charge.order_id)
    assert (settled.kind, settled.key, settled.amount, settled.method) == ("testkind", "9", 15_000, "qris")

    # The gateway retries the webhook, an operator checks the status: booked once, no new event.
    with django_capture_on_commit_callbacks(execute=True):
        assert services.receive_notification(body).outcome == "duplicate"
        assert services.sync_charge_status(charge).outcome == "duplicate"
    assert len(seen) == 1
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 15_000


def test_a_qris_bill_names_the_charge_that_paid_it(
    people: People, seen: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    request = services.create_payment_request(people.shop, 8_000, reference="testkind:8", actor=people.sri)
    charge = GatewayCharge.objects.get(payment_request=request)
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_notification(_settlement(charge))
    assert [(e.request_id, e.charge_id, e.method) for e in seen] == [(request.pk, charge.pk, "qris")]


def test_a_rolled_back_top_up_settlement_dispatches_nothing(
    people: People, seen: list[Any], django_capture_on_commit_callbacks: Capture
) -> None:
    charge = services.start_top_up(people.joko_wallet, 15_000, actor=people.joko, reference="testkind:9")
    body = _settlement(charge)
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.receive_notification(body)
        raise RuntimeError("the worker died before commit")
    assert callbacks == [] and seen == []
    charge.refresh_from_db()
    assert charge.settlement_entry is None
    # The gateway notifies again: now it counts, once.
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_notification(body)
    assert [(e.kind, e.charge_id) for e in seen] == [("testkind", charge.pk)]


def test_a_top_up_of_a_kind_nobody_handles_is_logged_as_an_error(
    people: People, caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Capture
) -> None:
    charge = services.start_top_up(people.joko_wallet, 4_000, actor=people.joko, reference="nobody:2")
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_notification(_settlement(charge))
    errors = [r for r in caplog.records if r.name == "apps.payments.events" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "nobody" in errors[0].getMessage() and charge.order_id in errors[0].getMessage()
    people.joko_wallet.refresh_from_db()
    assert people.joko_wallet.balance == 4_000  # the money is booked all the same


def test_a_wallets_own_top_up_is_no_event(
    people: People, seen: list[Any], caplog: pytest.LogCaptureFixture, django_capture_on_commit_callbacks: Capture
) -> None:
    charge = services.start_top_up(people.joko_wallet, 4_000, actor=people.joko)
    with django_capture_on_commit_callbacks(execute=True):
        services.receive_notification(_settlement(charge))
    assert seen == []
    assert not [r for r in caplog.records if r.name == "apps.payments.events"]
