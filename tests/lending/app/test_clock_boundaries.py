"""Lending days are Madiun days on the real clock (the nightly job and the services get no date):
an offer is good through its last day until 23:59:59 WIB and gone at 00:00 WIB (still that last
day in UTC); an instalment is overdue, and counts arrears days, from 00:00 WIB after its due
date; the penalty waits out the grace days the same way."""

from __future__ import annotations

import datetime as dt

import pytest
from time_machine import TimeMachineFixture

from apps.core.errors import Conflict
from apps.lending import credit, selectors, services
from apps.lending.models import Loan, Offer, OfferStatus
from apps.payments import services as pay
from tests.clock import JAKARTA, freeze, jakarta

from .conftest import GOOD, World, balance, key, submit

pytestmark = pytest.mark.django_db
LAST_SECOND = dt.time(23, 59, 59)
MIDNIGHT = dt.time(0, 0)


def _offer(world: World, time_machine: TimeMachineFixture) -> Offer:
    freeze(time_machine, dt.datetime(2026, 3, 1, 9, 0, tzinfo=JAKARTA))
    assert credit.score_all(rows=([world.sri.pk], [GOOD]))["offers"] == 1
    offer = Offer.objects.get()
    assert offer.as_of == dt.date(2026, 3, 1)
    return offer


def _accept(world: World, offer: Offer) -> None:
    services.apply(
        world.sri,
        offer.product,
        amount=offer.limit,
        tenor_months=offer.tenor_months,
        offer=offer,
        idempotency_key=key(),
        features=GOOD,
    )


def test_an_offer_is_open_until_the_end_of_its_last_day_in_madiun(
    world: World, time_machine: TimeMachineFixture
) -> None:
    offer = _offer(world, time_machine)
    freeze(time_machine, jakarta(offer.expires_on, LAST_SECOND))
    assert list(selectors.open_offers(world.sri)) == [offer]
    assert services.run_nightly()["offers_expired"] == 0
    after = freeze(time_machine, jakarta(offer.expires_on + dt.timedelta(days=1), MIDNIGHT))
    assert after.astimezone(dt.UTC).date() == offer.expires_on  # UTC is still on the last day
    assert not selectors.open_offers(world.sri).exists()
    with pytest.raises(Conflict) as caught:
        _accept(world, offer)
    assert caught.value.code == "offer_not_open"
    assert services.run_nightly()["offers_expired"] == 1
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED


def test_an_offer_accepted_in_the_last_second_is_taken(world: World, time_machine: TimeMachineFixture) -> None:
    offer = _offer(world, time_machine)
    freeze(time_machine, jakarta(offer.expires_on, LAST_SECOND))
    _accept(world, offer)
    offer.refresh_from_db()
    assert offer.status == OfferStatus.ACCEPTED


def _unpaid_loan(world: World, time_machine: TimeMachineFixture) -> Loan:
    """A loan disbursed today (clock at 10:00 WIB) whose wallet is then emptied."""
    freeze(time_machine, dt.datetime(2026, 1, 15, 10, 0, tzinfo=JAKARTA))
    application = submit(world)
    services.approve(application, world.officer, reason="usaha lancar")
    loan = services.disburse(application, world.officer)
    assert loan.disbursed_on == dt.date(2026, 1, 15)
    wallet = loan.wallet
    pay.transfer(wallet, pay.ensure_wallet(world.joko), balance(wallet), idempotency_key=key())
    return loan


def _nightly(loan: Loan) -> Loan:
    services.run_nightly()
    loan.refresh_from_db()
    return loan


def test_arrears_start_at_midnight_in_madiun_after_the_due_date(world: World, time_machine: TimeMachineFixture) -> None:
    loan = _unpaid_loan(world, time_machine)
    first = loan.instalments.get(number=1)
    freeze(time_machine, jakarta(first.due_date, LAST_SECOND))
    assert services.due_amount(loan, services.today()) == first.unpaid > 0
    assert _nightly(loan).days_past_due == 0
    freeze(time_machine, jakarta(first.due_date + dt.timedelta(days=1), MIDNIGHT))  # UTC: still the due date
    loan = _nightly(loan)
    assert (loan.days_past_due, loan.bucket) == (1, "1-30")
    freeze(time_machine, jakarta(first.due_date + dt.timedelta(days=10), LAST_SECOND))
    assert _nightly(loan).days_past_due == 10


def test_the_penalty_waits_out_the_grace_days_in_madiun(world: World, time_machine: TimeMachineFixture) -> None:
    loan = _unpaid_loan(world, time_machine)
    first = loan.instalments.get(number=1)
    grace = world.product.penalty_grace_days
    assert grace == 3
    freeze(time_machine, jakarta(first.due_date + dt.timedelta(days=grace), LAST_SECOND))
    assert services.run_nightly()["penalties"] == 0
    freeze(time_machine, jakarta(first.due_date + dt.timedelta(days=grace + 1), MIDNIGHT))
    assert services.run_nightly()["penalties"] > 0
    first.refresh_from_db()
    assert first.penalty_charged_on == first.due_date + dt.timedelta(days=grace + 1)
