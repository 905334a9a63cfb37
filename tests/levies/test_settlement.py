"""Daily settlement: what a kelurahan's kas daerah clearing account collected on a day is paid
out to the kas daerah the next morning (payments.treasury_payout, idempotent per day), and the
kota's reconciliation report shows collected against paid out per kelurahan."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from apps.levies import payer, recurring
from apps.payments import services as payments
from apps.payments.models import Account, AccountKind, EntryKind, JournalEntry
from tests.conftest import client_for
from tests.levies.conftest import World
from tests.levies.test_flow import copy_of, issue

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


def _pay(world: World, capture: Capture) -> None:
    bill = issue(world, capture)
    with world.kel:
        wallet = payments.ensure_wallet(world.payer)
        payments.top_up(wallet, 50_000, reference="test", idempotency_key="st-top")
        with capture(execute=True):
            payments.pay_request_with_wallet(copy_of(bill), world.payer, idempotency_key="st-pay")


def test_payout_of_a_day_is_posted_once(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    _pay(world, django_capture_on_commit_callbacks)
    today = timezone.localdate()
    with world.kel:
        treasury = Account.objects.get(kind=AccountKind.TREASURY_CLEARING)
        assert treasury.balance == 15_000
        assert payer.settle_treasury(world.kota.pk, today - datetime.timedelta(days=1)) == 0  # nothing that day
        assert payer.settle_treasury(world.kota.pk, today) == 15_000
        assert payer.settle_treasury(world.kota.pk, today) == 15_000  # a re-run: the same entry
        treasury.refresh_from_db()
        assert treasury.balance == 0
        payouts = JournalEntry.objects.filter(kind=EntryKind.PAYOUT, reference=f"kasda:{today.isoformat()}")
        assert payouts.count() == 1 and payouts.get().amount == 15_000
    with world.other_kel:  # a kelurahan with no clearing account: nothing to do
        assert payer.settle_treasury(world.kota.pk, today) == 0


def test_the_kota_sweep_queues_yesterdays_payout_everywhere(
    world: World, django_capture_on_commit_callbacks: Capture
) -> None:
    _pay(world, django_capture_on_commit_callbacks)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    with world.kota:
        assert recurring.settle_yesterday(tomorrow) >= 2  # both kelurahan of the kota
        assert recurring.next_sweep_at() is not None  # a bill paid since yesterday: tomorrow's payout
    with world.kel:
        assert Account.objects.get(kind=AccountKind.TREASURY_CLEARING).balance == 0


def test_report_shows_collected_against_paid_out(world: World, django_capture_on_commit_callbacks: Capture) -> None:
    _pay(world, django_capture_on_commit_callbacks)
    today = timezone.localdate().isoformat()
    client: Client = client_for(world.kota)
    with world.kota:
        client.force_login(world.officer)
    before = client.get(f"/retribusi/laporan.csv?day={today}").content.decode().strip().splitlines()
    settlement = [line for line in before if line.startswith("SETORAN-KASDA")]
    assert len(settlement) == 1 and ",belum disetor," in settlement[0]
    assert settlement[0].endswith(",15000,0,kas_daerah,,-15000")
    with world.kel:
        payer.settle_treasury(world.kota.pk, timezone.localdate())
    after = client.get(f"/retribusi/laporan.csv?day={today}").content.decode().strip().splitlines()
    settlement = [line for line in after if line.startswith("SETORAN-KASDA")]
    assert len(settlement) == 1 and ",disetor," in settlement[0] and settlement[0].endswith(",0")
    assert ",15000,15000,kas_daerah," in settlement[0]
