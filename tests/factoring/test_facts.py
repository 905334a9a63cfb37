"""Daily invoice-financing facts: disbursed, outstanding, settled, defaulted and fees, against
figures worked out by hand (two financings of 600.000 at 60%, 3,75% flat fee)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from time_machine import TimeMachineFixture

from apps.factoring import services
from apps.factoring.facts import daily_facts
from apps.factoring.models import Financing
from apps.facts.metrics import Metric
from apps.payments import services as payments
from tests.clock import jakarta

from .conftest import World, invoice_for, key, pay

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
D = TODAY - dt.timedelta(days=10)


@pytest.fixture(autouse=True)
def _clock_on_today(time_machine: TimeMachineFixture) -> None:
    """TODAY is read when the file is collected; the clock runs on from 10:00 that day, so a run
    that crosses midnight does not put "today's" payments on the next day."""
    time_machine.move_to(jakarta(TODAY, dt.time(10, 0)), tick=True)


@pytest.fixture(autouse=True)
def _no_mdr(settings: object) -> None:
    settings.PAYMENTS_FEE_BPS = 0  # type: ignore[attr-defined]


def figures(day: dt.date) -> dict[str, tuple[int, int, int]]:
    rows = list(daily_facts(day))
    assert all(r.dimension == "" for r in rows)
    return {r.metric: (r.value, r.count, len(r.entity_keys)) for r in rows}


def test_financing_facts_of_the_day_of_acceptance_and_of_today(world: World) -> None:
    first, second = invoice_for(world), invoice_for(world)
    one = services.do_accept_financing(first.pk, world.seller, product_id=world.product.pk)
    two = services.do_accept_financing(second.pk, world.seller, product_id=world.product.pk)
    assert (one.advance, one.fee, two.advance) == (600_000, 37_500, 600_000)
    # Both accepted on D (moved back: the events below happen today).
    Financing.objects.update(accepted_at=dt.datetime.combine(D, dt.time(9), tzinfo=timezone.get_current_timezone()))
    # The first: the buyer pays 100.000, the seller spends all but 100.000 of the advances, and it
    # defaults: 500.000 outstanding when declared, 100.000 taken back, 400.000 left.
    pay(world, first, 100_000)
    wallet = payments.ensure_wallet(world.seller)
    payments.transfer(wallet, payments.ensure_wallet(world.buyer), 1_100_000, idempotency_key=key())
    services.do_mark_default(first.pk, world.officer, on=one.default_on + dt.timedelta(days=1))
    # The second is paid in full: 600.000 back and the 37.500 fee.
    pay(world, second)
    one.refresh_from_db()
    two.refresh_from_db()
    assert (one.status, one.recourse, one.outstanding, two.status) == ("defaulted", 100_000, 400_000, "settled")

    assert figures(D - dt.timedelta(days=1)) == {}
    assert figures(D) == {
        Metric.FINANCING_DISBURSED: (1_200_000, 2, 1),
        Metric.FINANCING_OUTSTANDING: (1_200_000, 2, 1),
    }
    assert figures(TODAY) == {
        Metric.FINANCING_OUTSTANDING: (400_000, 1, 1),
        Metric.FINANCING_SETTLED: (600_000, 1, 1),
        Metric.FINANCING_DEFAULTED: (500_000, 1, 1),
        Metric.FINANCING_FEES: (37_500, 1, 1),
    }
    # Every advance back (the seller pays the rest by recourse): outstanding is 0, not unknown.
    payments.top_up(wallet, 400_000, reference="test top-up", idempotency_key=key())
    services.do_mark_default(first.pk, None, on=one.default_on + dt.timedelta(days=1))
    assert figures(TODAY)[Metric.FINANCING_OUTSTANDING] == (0, 0, 0)
    assert figures(D)[Metric.FINANCING_OUTSTANDING] == (1_200_000, 2, 1)  # a past day stays as it was
