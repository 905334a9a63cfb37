"""A round flagged "pay as voucher" ahead of its payout: the scheduled payout (and the
organiser's) issues a UMKM voucher instead of cash; who may choose; API and page."""

from __future__ import annotations

import pytest

from apps.bazar.models import Voucher
from apps.community import services as community
from apps.community.models import ArisanRound
from apps.core.errors import Conflict, Forbidden
from apps.payments import services as pay
from apps.tenancy.models import Tenant
from tests.bazar.conftest import World
from tests.bazar.test_vouchers import _invariants
from tests.marketplace.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_the_scheduled_payout_of_a_flagged_round_issues_a_voucher(world: World) -> None:
    m = world.market
    wallet_before = pay.ensure_wallet(m.joko).balance
    community.choose_payout(world.round1, as_voucher=True, actor=m.joko)  # the winner chooses
    community.send_arisan_reminders()  # round 1 is due and complete: paid out by the job
    round_ = ArisanRound.objects.get(pk=world.round1.pk)
    assert round_.status == ArisanRound.Status.PAID_OUT
    voucher = Voucher.objects.get(round=round_)
    assert (voucher.holder, voucher.value, voucher.remaining) == (m.joko, 100_000, 100_000)
    assert pay.ensure_wallet(m.joko).balance == wallet_before  # no cash
    community.send_arisan_reminders()  # again: nothing more
    assert Voucher.objects.filter(round=round_).count() == 1
    _invariants()


def test_the_organisers_payout_follows_the_choice_and_who_may_choose(world: World) -> None:
    m = world.market
    with pytest.raises(Forbidden):
        community.choose_payout(world.round1, as_voucher=True, actor=m.sri)  # neither organiser nor winner
    community.choose_payout(world.round1, as_voucher=True, actor=m.andi)  # the organiser
    community.choose_payout(world.round1, as_voucher=True, actor=m.andi)  # again: nothing changes
    community.pay_out(world.round1, actor=m.andi)
    assert Voucher.objects.filter(round=world.round1).exists()
    with pytest.raises(Conflict) as closed:
        community.choose_payout(world.round1, as_voucher=False, actor=m.joko)
    assert closed.value.code == "round_closed"


def test_cash_again_when_the_choice_is_undone(world: World) -> None:
    m = world.market
    community.choose_payout(world.round1, as_voucher=True, actor=m.joko)
    community.choose_payout(world.round1, as_voucher=False, actor=m.joko)
    before = pay.ensure_wallet(m.joko).balance
    community.send_arisan_reminders()
    assert not Voucher.objects.exists() and pay.ensure_wallet(m.joko).balance == before + 100_000


def test_choice_over_the_api_and_the_page(world: World, tenant_a: Tenant) -> None:
    m = world.market
    winner = signed_in(tenant_a, m.joko)
    answer = winner.post(
        f"/api/v1/community/arisan-rounds/{world.round1.pk}/payout-choice/",
        {"as_voucher": True},
        content_type="application/json",
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["payout_as_voucher"] is True
    stranger = signed_in(tenant_a, m.sri)
    refused = stranger.post(
        f"/api/v1/community/arisan-rounds/{world.round1.pk}/payout-choice/",
        {"as_voucher": False},
        content_type="application/json",
    )
    assert refused.status_code in (403, 404)
    page = winner.get(f"/kas/arisan/{world.group.pk}/").content.decode()
    assert f'data-testid="payout-as-voucher-{world.round1.number}"' in page
    back = winner.post(f"/kas/arisan/putaran/{world.round1.pk}/cara-bayar/", {"as_voucher": "0"})
    assert back.status_code in (200, 302)
    assert ArisanRound.objects.get(pk=world.round1.pk).payout_as_voucher is False
