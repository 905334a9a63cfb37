"""Arisan: published-seed draws, contributions into the pool, one payout per round, missed shares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from apps.community import draw, selectors, services
from apps.community.models import ArisanContribution, ArisanGroup, ArisanMember, ArisanRound
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.notifications.models import Message
from apps.payments import services as pay
from apps.payments.gateways import DEFAULT_SANDBOX_SERVER_KEY, notification_body
from apps.payments.models import JournalEntry
from apps.sandbox.models import SandboxTransaction
from tests.community.conftest import World, balance, entries_balanced, fund, ledger_sum, user

pytestmark = pytest.mark.django_db


def _group(w: World, *, method: str = "random", start: date | None = None, extra: int = 2) -> ArisanGroup:
    group = services.create_group(
        organiser=w.rt1.ketua,
        name="Arisan PKK Uji",
        contribution=50_000,
        period="monthly",
        draw_method=method,
        start_date=start or date(2026, 1, 10),
    )
    for person in [w.sri, w.joko, *[user(f"anggota{n}") for n in range(extra)]]:
        services.add_member(group, person, actor=w.rt1.ketua)
    return group


def _members(group: ArisanGroup) -> list[ArisanMember]:
    return list(group.members.select_related("user").order_by("pk"))


def _pay_round(group: ArisanGroup, round_: ArisanRound) -> None:
    for member in _members(group):
        fund(member.user, group.contribution)
        services.contribute_with_wallet(round_, member, payer=member.user)


def test_random_draw_commit_then_reveal_is_verifiable(world: World) -> None:
    group = _group(world)
    group = services.commit_draw(group, actor=world.rt1.ketua)
    assert group.status == "committed" and len(group.seed_commitment) == 64
    assert group.public_seed == ""  # secret until the draw
    assert group.seed_commitment == draw.commitment(group.seed)
    with pytest.raises(Conflict):  # membership is frozen by the commitment
        services.add_member(group, world.andi, actor=world.rt1.ketua)
    group = services.reveal_draw(group, actor=world.rt1.ketua)
    assert group.status == "running" and group.public_seed == group.seed
    ids = [m.pk for m in _members(group)]
    order = selectors.published_order(group)
    assert order == draw.draw_order(group.seed, ids)
    result = selectors.verification(group)
    assert result is not None and result.ok
    wrong = selectors.verification(group, seed="0" * 64)
    assert wrong is not None and not wrong.ok and not wrong.commitment_ok
    # positions and due dates follow the order
    rounds = list(group.rounds.order_by("number"))
    assert [r.winner_id for r in rounds] == order
    assert [r.due_date for r in rounds] == [date(2026, m, 10) for m in range(1, len(ids) + 1)]
    assert all(r.amount == 50_000 * len(ids) for r in rounds)
    assert services.reveal_draw(group, actor=world.rt1.ketua).drawn_at == group.drawn_at  # idempotent
    assert Message.objects.filter(event="community.arisan_committed").count() == len(ids)


def test_draw_needs_the_organiser_and_a_commitment(world: World) -> None:
    group = _group(world)
    with pytest.raises(Forbidden):
        services.commit_draw(group, actor=world.joko)
    with pytest.raises(Conflict):
        services.reveal_draw(group, actor=world.rt1.ketua)
    with pytest.raises(Conflict):
        services.set_agreed_order(group, [m.pk for m in _members(group)], actor=world.rt1.ketua)
    lonely = services.create_group(
        organiser=world.joko,
        name="Sendiri",
        contribution=1_000,
        period="weekly",
        draw_method="random",
        start_date="2026-01-01",
    )
    with pytest.raises(ValidationFailed):
        services.commit_draw(lonely, actor=world.joko)


def test_agreed_order_must_list_every_member_once(world: World) -> None:
    group = _group(world, method="agreed")
    ids = [m.pk for m in _members(group)]
    for bad in ([*ids[:-1]], [*ids, ids[0]], [*ids[:-1], 999_999], ["x"]):
        with pytest.raises(ValidationFailed):
            services.set_agreed_order(group, bad, actor=world.rt1.ketua)
    assert not group.rounds.exists()
    order = list(reversed(ids))
    services.set_agreed_order(group, order, actor=world.rt1.ketua)
    assert selectors.published_order(group) == order
    assert selectors.verification(group) is None  # nothing random to verify


def test_each_round_pays_exactly_the_pool_to_the_winner_once(world: World) -> None:
    group = _group(world, method="agreed")
    ids = [m.pk for m in _members(group)]
    services.set_agreed_order(group, ids, actor=world.rt1.ketua)
    round1 = group.rounds.get(number=1)
    winner_wallet = pay.ensure_wallet(round1.winner.user)
    _pay_round(group, round1)
    pool = group.pool_account
    assert balance(pool) == 50_000 * len(ids)
    paid = services.pay_out(round1, actor=world.rt1.ketua)
    assert paid.status == "paid_out" and paid.payout_entry is not None
    assert balance(pool) == 0
    assert balance(winner_wallet) == 50_000 * len(ids)  # funded 50.000, paid it, got the pool
    again = services.pay_out(round1, actor=world.rt1.ketua)
    assert again.payout_entry_id == paid.payout_entry_id
    assert JournalEntry.objects.filter(idempotency_key__endswith=":payout").count() == 1
    assert ledger_sum() == 0 and entries_balanced()


def test_contributions_are_idempotent_per_round_and_member(world: World) -> None:
    group = _group(world, method="agreed")
    services.set_agreed_order(group, [m.pk for m in _members(group)], actor=world.rt1.ketua)
    round1 = group.rounds.get(number=1)
    sri = group.members.get(user=world.sri)
    wallet = fund(world.sri, 200_000)
    first = services.contribute_with_wallet(round1, sri, payer=world.sri)
    again = services.contribute_with_wallet(round1, sri, payer=world.sri)
    assert again.pk == first.pk and balance(wallet) == 150_000
    assert ArisanContribution.objects.filter(round=round1, member=sri).count() == 1
    with pytest.raises(Forbidden):  # someone else may not pay for Sri (only she or the organiser)
        services.contribute_with_wallet(round1, group.members.get(user=world.joko), payer=world.sri)
    organiser = group.members.get(user=world.rt1.ketua)
    fund(world.rt1.ketua, 100_000)
    joko = group.members.get(user=world.joko)
    talangan = services.contribute_with_wallet(round1, joko, payer=world.rt1.ketua)
    assert talangan.payer == world.rt1.ketua and talangan.member == joko
    assert organiser is not None


def test_payout_refused_until_everyone_paid_and_in_round_order(world: World) -> None:
    group = _group(world, method="agreed")
    services.set_agreed_order(group, [m.pk for m in _members(group)], actor=world.rt1.ketua)
    round1, round2 = group.rounds.get(number=1), group.rounds.get(number=2)
    members = _members(group)
    for member in members[:-1]:
        fund(member.user, 50_000)
        services.contribute_with_wallet(round1, member, payer=member.user)
    with pytest.raises(Conflict) as exc:
        services.pay_out(round1, actor=world.rt1.ketua)
    assert exc.value.code == "contributions_missing" and exc.value.details["missing"] == [members[-1].pk]
    _pay_round(group, round2)
    with pytest.raises(Conflict) as exc:
        services.pay_out(round2, actor=world.rt1.ketua)
    assert exc.value.code == "earlier_round_open"
    with pytest.raises(Forbidden):
        services.pay_out(round1, actor=world.joko)
    assert not ArisanRound.objects.filter(group=group, status="paid_out").exists()


def test_full_cycle_nobody_wins_twice_and_the_group_finishes(world: World) -> None:
    group = _group(world, extra=3)
    services.commit_draw(group, actor=world.rt1.ketua)
    services.reveal_draw(group, actor=world.rt1.ketua)
    winners = []
    for round_ in group.rounds.order_by("number"):
        _pay_round(group, round_)
        paid = services.pay_out(round_, actor=world.rt1.ketua)
        winners.append(paid.winner_id)
        assert len(winners) == len(set(winners))  # nobody twice before everyone has won
    assert sorted(winners) == sorted(m.pk for m in _members(group))
    group.refresh_from_db()
    assert group.status == "finished" and balance(group.pool_account) == 0
    for member in _members(group):  # everyone paid n shares and received one pool
        assert balance(pay.ensure_wallet(member.user)) == 50_000 * len(winners)
    count = ArisanContribution.objects.count()
    first = _members(group)[0]
    again = services.contribute_with_wallet(group.rounds.get(number=1), first, payer=first.user)
    assert again.status == "paid" and ArisanContribution.objects.count() == count  # nothing moves again


def test_missed_contributions_are_tracked_and_reminded_once(world: World) -> None:
    start = date.today() - timedelta(days=5)
    group = _group(world, method="agreed", start=start)
    services.set_agreed_order(group, [m.pk for m in _members(group)], actor=world.rt1.ketua)
    round1 = group.rounds.get(number=1)
    members = _members(group)
    late = members[1]
    for member in members:
        if member != late:
            fund(member.user, 50_000)
            services.contribute_with_wallet(round1, member, payer=member.user)
    missed = selectors.missed_contributions(group)
    assert [(m.round.number, m.member.pk) for m in missed] == [(1, late.pk)]
    assert services.send_arisan_reminders() == 1
    assert services.send_arisan_reminders() == 0
    reminders = Message.objects.filter(event="community.arisan_missed")
    assert reminders.filter(recipient=late.user).count() == 1
    assert reminders.count() == 1
    # the member pays: the next run pays the complete, due round out automatically
    fund(late.user, 50_000)
    services.contribute_with_wallet(round1, late, payer=late.user)
    assert selectors.missed_contributions(group) == []
    services.send_arisan_reminders()
    round1.refresh_from_db()
    assert round1.status == "paid_out"


def test_qris_contribution_and_a_duplicate_goes_back_to_the_payer(world: World) -> None:
    group = _group(world, method="agreed")
    services.set_agreed_order(group, [m.pk for m in _members(group)], actor=world.rt1.ketua)
    round1 = group.rounds.get(number=1)
    sri = group.members.get(user=world.sri)
    pending = services.start_contribution_qris(round1, sri, payer=world.sri)
    assert pending.charge is not None and pending.status == "pending"
    tx = pay.sandbox_gateway().pay(pending.charge.order_id)
    pay.receive_notification(notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY), remote_addr="127.0.0.1")
    assert services.sync_contribution(pending).status == "paid"
    assert balance(group.pool_account) == 50_000
    # Joko opens a QRIS, then pays by wallet; the QRIS still settles: the money goes back.
    joko = group.members.get(user=world.joko)
    second = services.start_contribution_qris(round1, joko, payer=world.joko)
    wallet = fund(world.joko, 50_000)
    services.contribute_with_wallet(round1, joko, payer=world.joko)
    assert second.charge is not None
    SandboxTransaction.objects.filter(order_id=second.charge.order_id).update(status="pending")
    tx = pay.sandbox_gateway().pay(second.charge.order_id)
    pay.receive_notification(notification_body(tx, "200", DEFAULT_SANDBOX_SERVER_KEY), remote_addr="127.0.0.1")
    dup = services.sync_contribution(second)
    assert dup.status == "duplicate" and dup.refund_entry is not None
    assert balance(group.pool_account) == 100_000  # exactly two shares
    assert balance(wallet) == 50_000
    assert services.sync_contribution(second).refund_entry_id == dup.refund_entry_id


def test_rt_scoped_group_only_takes_residents(world: World) -> None:
    group = services.create_group(
        organiser=world.sri,
        name="Arisan RT 01",
        contribution=20_000,
        period="weekly",
        draw_method="random",
        start_date="2026-02-01",
        rt=world.rt1.rt,
    )
    services.add_member(group, world.joko, actor=world.sri)
    with pytest.raises(ValidationFailed):
        services.add_member(group, world.andi, actor=world.sri)  # lives in RT 02
    with pytest.raises(Forbidden):
        services.create_group(
            organiser=world.andi,
            name="x",
            contribution=1_000,
            period="weekly",
            draw_method="random",
            start_date="2026-02-01",
            rt=world.rt1.rt,
        )
    with pytest.raises(Forbidden):
        services.add_member(group, world.rt1.treasurer, actor=world.joko)  # not the organiser


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("contribution", 0),
        ("contribution", -1),
        ("period", "daily"),
        ("draw_method", "coin"),
        ("name", " "),
        ("start_date", "kemarin"),
    ],
)
def test_bad_group_input_is_refused(world: World, field: str, value: object) -> None:
    values: dict[str, object] = {
        "name": "X",
        "contribution": 10_000,
        "period": "weekly",
        "draw_method": "random",
        "start_date": "2026-01-01",
    }
    values[field] = value
    with pytest.raises(ValidationFailed):
        services.create_group(organiser=world.joko, **values)  # type: ignore[arg-type]
    assert not ArisanGroup.objects.exists()


def test_a_settled_qris_contribution_is_paid_by_its_event_at_once(
    world: World, django_capture_on_commit_callbacks: Callable[..., Any]
) -> None:
    group = _group(world, method="agreed")
    services.set_agreed_order(group, [m.pk for m in _members(group)], actor=world.rt1.ketua)
    round1 = group.rounds.get(number=1)
    sri = group.members.get(user=world.sri)
    pending = services.start_contribution_qris(round1, sri, payer=world.sri)
    assert pending.charge is not None and pending.charge.reference == f"arisan:{pending.public_id}"
    with django_capture_on_commit_callbacks(execute=True):
        pay.sandbox_pay(pending.charge.order_id)  # the bank app pays, the gateway notifies: no polling
    pending.refresh_from_db()
    assert pending.status == "paid" and pending.journal_entry_id == pending.charge.settlement_entry_id
    assert balance(group.pool_account) == 50_000
    # Joko's QRIS settles after he paid by wallet: the event books it and gives it straight back.
    joko = group.members.get(user=world.joko)
    second = services.start_contribution_qris(round1, joko, payer=world.joko)
    wallet = fund(world.joko, 50_000)
    services.contribute_with_wallet(round1, joko, payer=world.joko)
    assert second.charge is not None
    SandboxTransaction.objects.filter(order_id=second.charge.order_id).update(status="pending")
    with django_capture_on_commit_callbacks(execute=True):
        pay.sandbox_pay(second.charge.order_id)
    second.refresh_from_db()
    assert second.status == "duplicate" and second.refund_entry is not None
    assert balance(group.pool_account) == 100_000 and balance(wallet) == 50_000
