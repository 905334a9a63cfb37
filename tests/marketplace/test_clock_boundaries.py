"""Marketplace deadlines on the real clock (the beat job passes no `now`): a cart reservation
holds the stock until its last second and frees it at its deadline; a delivered order the
buyer did not confirm completes itself exactly AUTO_COMPLETE_DAYS after it was delivered."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from time_machine import TimeMachineFixture

from apps.core.errors import Conflict
from apps.marketplace import conf, services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Reservation
from tests.clock import JAKARTA, freeze

from .conftest import Market, key

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 31, 23, 50, tzinfo=JAKARTA)  # the deadline falls in the next (local) year


def test_a_reservation_holds_the_stock_until_its_deadline(market: Market, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, T0)
    services.add_to_cart(market.andi, market.sambal.pk, 5)  # all 5 in stock
    until = services.reserve_cart(market.andi)
    assert until == T0 + timedelta(minutes=conf.get("RESERVATION_MINUTES"))
    services.add_to_cart(market.joko, market.sambal.pk, 1)
    freeze(time_machine, until - timedelta(seconds=1))
    assert services.delete_expired_reservations() == 0
    with pytest.raises(Conflict):  # still held for Andi
        services.reserve_cart(market.joko)
    freeze(time_machine, until)
    assert services.reserve_cart(market.joko) == until + timedelta(minutes=conf.get("RESERVATION_MINUTES"))
    assert services.delete_expired_reservations() == 1  # Andi's, gone at its deadline
    assert list(Reservation.objects.values_list("buyer", flat=True)) == [market.joko.pk]


def test_a_delivered_order_completes_itself_after_the_set_days(
    market: Market, time_machine: TimeMachineFixture
) -> None:
    freeze(time_machine, T0)
    order = services.place_orders(market.joko, [(market.nasi.pk, 1)], idempotency_key=key()).orders[0]
    services.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
    for action in ("accept", "pack", "ship", "deliver"):
        order = services.transition(order, action, actor=market.sri)
    assert order.status == Status.DELIVERED
    due = T0 + timedelta(days=conf.get("AUTO_COMPLETE_DAYS"))
    freeze(time_machine, due - timedelta(seconds=1))
    assert services.complete_delivered() == 0
    freeze(time_machine, due)
    assert services.complete_delivered() == 1
    order.refresh_from_db()
    assert order.status == Status.COMPLETED
