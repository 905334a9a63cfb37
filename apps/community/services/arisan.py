"""Arisan: groups, members, the draw or agreed order, contributions, pay-outs and reminders."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.notifications.services import notify
from apps.payments import services as pay
from apps.payments.models import Account, ChargeStatus, GatewayCharge
from apps.rtrw.models import Residency, RukunTetangga

from .. import draw, events, ledger, policy
from ..models import (
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
)
from ..receivers import ARISAN_REFERENCE_KIND
from ._common import FAILED_CHARGE, _cancel_charge_later, _text, add_months, clean_amount, schedule_qris_poll

logger = logging.getLogger(__name__)


def _parse_date(value: Any, *, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("Tanggal tidak valid."), code="invalid_date", field=field) from None


def _may_organise_in(user: User, rt: RukunTetangga) -> bool:
    return (
        Residency.objects.filter(user=user, rt=rt).exists()
        or policy.is_ketua_rt(user, rt)
        or policy.is_staff_officer(user)
    )


@transaction.atomic
def create_group(
    *,
    organiser: User,
    name: str,
    contribution: Any,
    period: str,
    draw_method: str,
    start_date: Any,
    rt: RukunTetangga | None = None,
    join: bool = True,
) -> ArisanGroup:
    text = _text(name, field="name", label=_("Nama arisan"), limit=100)
    value = clean_amount(contribution, field="contribution")
    if period not in ArisanGroup.Period.values:
        raise ValidationFailed(_("Periode harus mingguan atau bulanan."), code="invalid_period", field="period")
    if draw_method not in ArisanGroup.DrawMethod.values:
        raise ValidationFailed(_("Cara menentukan urutan tidak dikenal."), code="invalid_draw", field="draw_method")
    start = _parse_date(start_date, field="start_date")
    if rt is not None and not _may_organise_in(organiser, rt):
        raise Forbidden(_("Arisan %(rt)s hanya bisa dibuat oleh warga atau ketua RT itu.") % {"rt": rt})
    pool = ledger.open_pool(f"community:arisan:{secrets.token_hex(8)}", text)
    group = ArisanGroup.objects.create(
        name=text,
        rt=rt,
        organiser=organiser,
        contribution=value,
        period=period,
        draw_method=draw_method,
        start_date=start,
        pool_account=pool,
    )
    if join:
        ArisanMember.objects.create(group=group, user=organiser)
    return group


def _locked_group(group: ArisanGroup) -> ArisanGroup:
    return ArisanGroup.objects.select_for_update(of=("self",)).select_related("pool_account", "rt").get(pk=group.pk)


def _require_organiser(actor: User, group: ArisanGroup) -> None:
    if not (policy.is_organiser(actor, group) or policy.is_staff_officer(actor)):
        raise Forbidden(_("Hanya penyelenggara arisan yang bisa melakukan ini."))


def _require_forming(group: ArisanGroup) -> None:
    if group.status != ArisanGroup.Status.FORMING:
        raise Conflict(
            _("Anggota dan urutan sudah dikunci (%(status)s).") % {"status": group.get_status_display()},
            code="group_locked",
        )


@transaction.atomic
def add_member(group: ArisanGroup, user: User, *, actor: User) -> ArisanMember:
    group = _locked_group(group)
    _require_organiser(actor, group)
    existing = ArisanMember.objects.filter(group=group, user=user).first()
    if existing is not None:
        return existing
    _require_forming(group)
    if not user.is_active:
        raise ValidationFailed(_("Pengguna ini tidak aktif."), code="inactive_user", field="user")
    if group.rt is not None and not Residency.objects.filter(user=user, rt=group.rt).exists():
        raise ValidationFailed(
            _("%(name)s bukan warga %(rt)s.") % {"name": user, "rt": group.rt}, code="not_a_member", field="user"
        )
    member = ArisanMember.objects.create(group=group, user=user)
    notify(
        [user],
        event="community.arisan_joined",
        title=str(_("Anda anggota arisan %(name)s") % {"name": group.name}),
        body=str(
            _("Setoran %(amount)s %(period)s.")
            % {"amount": rupiah(group.contribution), "period": group.get_period_display().lower()}
        ),
        url=f"/kas/arisan/{group.pk}/",
        key=f"community-arisan-member-{member.pk}",
    )
    return member


@transaction.atomic
def remove_member(group: ArisanGroup, member: ArisanMember, *, actor: User) -> None:
    group = _locked_group(group)
    _require_organiser(actor, group)
    _require_forming(group)
    if member.group_id != group.pk:
        raise NotFound(_("Anggota tidak dikenal."), code="unknown_member")
    member.delete()


def _due_date(group: ArisanGroup, index: int) -> date:
    if group.period == ArisanGroup.Period.WEEKLY:
        return group.start_date + timedelta(weeks=index)
    return add_months(group.start_date, index)


def _start_rounds(group: ArisanGroup, order: list[int]) -> None:
    amount = clean_amount(group.contribution * len(order), field="contribution")
    for position, member_id in enumerate(order, start=1):
        ArisanMember.objects.filter(pk=member_id, group=group).update(position=position)
        ArisanRound.objects.create(
            group=group, number=position, due_date=_due_date(group, position - 1), winner_id=member_id, amount=amount
        )


def _notify_order(group: ArisanGroup) -> None:
    for member in group.members.select_related("user"):
        round_ = group.rounds.filter(winner=member).first()
        if round_ is None:
            continue
        notify(
            [member.user],
            event="community.arisan_order",
            title=str(_("Urutan arisan %(name)s sudah ditetapkan") % {"name": group.name}),
            body=str(
                _("Giliran Anda: putaran %(n)s (%(date)s).") % {"n": round_.number, "date": round_.due_date.isoformat()}
            ),
            url=f"/kas/arisan/{group.pk}/",
            key=f"community-arisan-order-{group.pk}-{member.pk}",
        )


@transaction.atomic
def commit_draw(group: ArisanGroup, *, actor: User) -> ArisanGroup:
    """Random draw, step 1: freeze the members, generate the seed, publish sha256(seed)."""
    group = _locked_group(group)
    _require_organiser(actor, group)
    if group.draw_method != ArisanGroup.DrawMethod.RANDOM:
        raise Conflict(_("Arisan ini memakai urutan yang disepakati, bukan undian."), code="not_random")
    if group.status == ArisanGroup.Status.COMMITTED:
        return group
    _require_forming(group)
    if group.members.count() < 2:
        raise ValidationFailed(_("Arisan perlu paling sedikit 2 anggota."), code="too_few_members")
    seed = draw.new_seed()
    group.seed = seed
    group.seed_commitment = draw.commitment(seed)
    group.committed_at = timezone.now()
    group.status = ArisanGroup.Status.COMMITTED
    group.save(update_fields=["seed", "seed_commitment", "committed_at", "status"])
    notify(
        [m.user for m in group.members.select_related("user")],
        event="community.arisan_committed",
        title=str(_("Komitmen undian arisan %(name)s") % {"name": group.name}),
        body=str(
            _(
                "sha256(seed) = %(c)s. Simpan kode ini: setelah undian, seed dibuka "
                "dan siapa pun bisa memeriksa urutannya."
            )
            % {"c": group.seed_commitment}
        ),
        url=f"/kas/arisan/{group.pk}/verifikasi/",
        key=f"community-arisan-commit-{group.pk}",
    )
    return group


@transaction.atomic
def reveal_draw(group: ArisanGroup, *, actor: User) -> ArisanGroup:
    """Random draw, step 2: reveal the seed; the order follows from it and the member ids."""
    group = _locked_group(group)
    _require_organiser(actor, group)
    if group.drawn_at is not None:
        return group
    if group.status != ArisanGroup.Status.COMMITTED:
        raise Conflict(_("Terbitkan komitmen seed dulu sebelum mengundi."), code="not_committed")
    ids = list(group.members.values_list("pk", flat=True))
    _start_rounds(group, draw.draw_order(group.seed, ids))
    group.drawn_at = timezone.now()
    group.status = ArisanGroup.Status.RUNNING
    group.save(update_fields=["drawn_at", "status"])
    _notify_order(group)
    return group


@transaction.atomic
def set_agreed_order(group: ArisanGroup, member_ids: Iterable[Any], *, actor: User) -> ArisanGroup:
    """Agreed draw: the organiser sets the order (every member exactly once)."""
    group = _locked_group(group)
    _require_organiser(actor, group)
    if group.draw_method != ArisanGroup.DrawMethod.AGREED:
        raise Conflict(_("Arisan ini memakai undian acak."), code="not_agreed")
    _require_forming(group)
    try:
        order = [int(m) for m in member_ids]
    except (TypeError, ValueError):
        raise ValidationFailed(_("Urutan harus daftar ID anggota."), code="invalid_order", field="order") from None
    members = set(group.members.values_list("pk", flat=True))
    if len(members) < 2:
        raise ValidationFailed(_("Arisan perlu paling sedikit 2 anggota."), code="too_few_members")
    if len(order) != len(set(order)) or set(order) != members:
        raise ValidationFailed(
            _("Urutan harus memuat setiap anggota tepat satu kali."), code="invalid_order", field="order"
        )
    _start_rounds(group, order)
    group.drawn_at = timezone.now()
    group.status = ArisanGroup.Status.RUNNING
    group.save(update_fields=["drawn_at", "status"])
    _notify_order(group)
    return group


def _locked_round(round_: ArisanRound) -> tuple[ArisanGroup, ArisanRound]:
    group = _locked_group(round_.group)  # lock order: group, then round, then accounts
    locked = ArisanRound.objects.select_for_update(of=("self",)).select_related("winner__user").get(pk=round_.pk)
    return group, locked


def _open_for_contributions(group: ArisanGroup, round_: ArisanRound, member: ArisanMember) -> None:
    if member.group_id != group.pk:
        raise ValidationFailed(_("Bukan anggota arisan ini."), code="not_a_member", field="member")
    if group.status != ArisanGroup.Status.RUNNING:
        raise Conflict(_("Arisan belum berjalan."), code="not_running")
    if round_.status != ArisanRound.Status.OPEN:
        raise Conflict(_("Putaran ini sudah dibayarkan."), code="round_closed")


def _require_payer(payer: User, group: ArisanGroup, member: ArisanMember) -> None:
    # The member pays their own share; the organiser may pay it for them (talangan).
    if payer.pk != member.user_id and not policy.is_organiser(payer, group):
        raise Forbidden(_("Setoran hanya dibayar oleh anggota itu sendiri atau penyelenggara."))


def _paid_contribution(round_: ArisanRound, member: ArisanMember) -> ArisanContribution | None:
    return ArisanContribution.objects.filter(round=round_, member=member, status=ArisanContribution.Status.PAID).first()


def _cancel_pending_contributions(round_: ArisanRound, member: ArisanMember) -> None:
    for pending in ArisanContribution.objects.select_for_update().filter(
        round=round_, member=member, status=ArisanContribution.Status.PENDING
    ):
        pending.status = ArisanContribution.Status.CANCELLED
        pending.save(update_fields=["status"])
        if pending.charge is not None:
            _cancel_charge_later(pending.charge.order_id)


@transaction.atomic
def contribute_with_wallet(round_: ArisanRound, member: ArisanMember, *, payer: User) -> ArisanContribution:
    """One member's share of a round, from `payer`'s wallet into the pool. Idempotent per
    round and member: once paid, the same contribution is returned and nothing moves again."""
    group, round_ = _locked_round(round_)
    paid = _paid_contribution(round_, member)
    if paid is not None:
        return paid
    _open_for_contributions(group, round_, member)
    _require_payer(payer, group, member)
    _cancel_pending_contributions(round_, member)
    entry = ledger.move(
        pay.ensure_wallet(payer),
        group.pool_account,
        group.contribution,
        key=f"community:arisan:{round_.pk}:{member.pk}:setoran",
        description=str(
            _("Setoran arisan %(name)s putaran %(n)s — %(member)s")
            % {"name": group.name, "n": round_.number, "member": member.user}
        ),
        reference=f"arisan:{group.pk}:{round_.number}",
        actor=payer,
    )
    return ArisanContribution.objects.create(
        round=round_,
        member=member,
        amount=group.contribution,
        method=ArisanContribution.Method.WALLET,
        status=ArisanContribution.Status.PAID,
        payer=payer,
        journal_entry=entry,
        paid_at=timezone.now(),
    )


@transaction.atomic
def start_contribution_qris(round_: ArisanRound, member: ArisanMember, *, payer: User) -> ArisanContribution:
    """Open a QRIS charge for a member's share of a round (reuses the open one); paid when the
    gateway settles it (`sync_contribution`, queued by the settlement's event, see `receivers`)."""
    group, round_ = _locked_round(round_)
    _open_for_contributions(group, round_, member)
    _require_payer(payer, group, member)
    if _paid_contribution(round_, member) is not None:
        raise Conflict(_("Setoran putaran ini sudah lunas."), code="already_paid")
    pending = (
        ArisanContribution.objects.select_for_update(of=("self",))
        .select_related("charge")
        .filter(round=round_, member=member, status=ArisanContribution.Status.PENDING)
        .first()
    )
    if pending is not None:
        if pending.charge is not None and pending.charge.status in (ChargeStatus.CREATED, ChargeStatus.PENDING):
            return pending
        pending.status = ArisanContribution.Status.CANCELLED
        pending.save(update_fields=["status"])
    contribution = ArisanContribution(
        round=round_,
        member=member,
        amount=group.contribution,
        method=ArisanContribution.Method.QRIS,
        status=ArisanContribution.Status.PENDING,
        payer=payer,
    )
    contribution.charge = pay.start_top_up(
        group.pool_account,
        group.contribution,
        actor=payer,
        reference=f"{ARISAN_REFERENCE_KIND}:{contribution.public_id}",
    )
    contribution.save()
    schedule_qris_poll()
    return contribution


@transaction.atomic
def sync_contribution(contribution: ArisanContribution) -> ArisanContribution:
    """Settled QRIS → paid (or, if already paid another way, straight back to the payer's
    wallet); failed → cancelled. Idempotent."""
    contribution = ArisanContribution.objects.select_for_update().get(pk=contribution.pk)
    if contribution.charge_id is None or contribution.status in (
        ArisanContribution.Status.PAID,
        ArisanContribution.Status.DUPLICATE,
    ):
        return contribution
    charge = GatewayCharge.objects.select_related("settlement_entry").get(pk=contribution.charge_id)
    if charge.settlement_entry is None:
        if charge.status in FAILED_CHARGE and contribution.status == ArisanContribution.Status.PENDING:
            contribution.status = ArisanContribution.Status.CANCELLED
            contribution.save(update_fields=["status"])
        return contribution
    group, round_ = _locked_round(contribution.round)
    contribution.journal_entry = charge.settlement_entry
    contribution.paid_at = timezone.now()
    member = ArisanMember.objects.get(pk=contribution.member_id)
    if _paid_contribution(round_, member) is None and round_.status == ArisanRound.Status.OPEN:
        contribution.status = ArisanContribution.Status.PAID
        contribution.save(update_fields=["journal_entry", "paid_at", "status"])
        return contribution
    payer = contribution.payer or member.user
    contribution.refund_entry = ledger.move(
        group.pool_account,
        pay.ensure_wallet(payer),
        charge.gross_amount,
        key=f"community:arisan-refund:{contribution.pk}",
        description=str(_("Pengembalian setoran ganda arisan %(name)s") % {"name": group.name}),
        reference=f"arisan:{group.pk}:{round_.number}",
        actor=None,
    )
    contribution.status = ArisanContribution.Status.DUPLICATE
    contribution.save(update_fields=["journal_entry", "paid_at", "status", "refund_entry"])
    return contribution


@transaction.atomic
def pay_out(round_: ArisanRound, *, actor: User | None, into: Account | None = None, notice: str = "") -> ArisanRound:
    """Pay the round's winner exactly the pool of the round, once, after every member paid
    and every earlier round was paid out. `actor=None`: the scheduled job.

    `into`: an account of the winner's that takes the payout instead of their wallet (apps.bazar
    pays a round out as a UMKM voucher into the voucher's own account), with `notice` the body of
    the winner's notification. A round already paid out is returned as it is, wherever it went."""
    group, round_ = _locked_round(round_)
    if actor is not None:
        _require_organiser(actor, group)
    if round_.status == ArisanRound.Status.PAID_OUT:
        return round_
    if round_.payout_as_voucher and into is None:
        voucher_payout = events.voucher_payout()
        if voucher_payout is not None:  # chosen beforehand: a UMKM voucher instead of cash
            voucher_payout(round_, actor)
            round_.refresh_from_db()
            return round_
    if group.status != ArisanGroup.Status.RUNNING:
        raise Conflict(_("Arisan belum berjalan."), code="not_running")
    if group.rounds.filter(number__lt=round_.number, status=ArisanRound.Status.OPEN).exists():
        raise Conflict(_("Putaran sebelumnya belum dibayarkan."), code="earlier_round_open")
    members = list(group.members.select_related("user"))
    paid = ArisanContribution.objects.filter(round=round_, status=ArisanContribution.Status.PAID)
    paid_ids = set(paid.values_list("member_id", flat=True))
    missing = [m for m in members if m.pk not in paid_ids]
    if missing:
        raise Conflict(
            _("Setoran belum lengkap: %(names)s belum setor.") % {"names": ", ".join(str(m.user) for m in missing)},
            code="contributions_missing",
            missing=[m.pk for m in missing],
        )
    collected = int(paid.aggregate(total=Sum("amount"))["total"] or 0)
    if collected != round_.amount:  # pragma: no cover - amounts are fixed at creation
        raise Conflict(_("Jumlah setoran tidak sama dengan dana putaran."), code="pool_mismatch")
    entry = ledger.move(
        group.pool_account,
        into if into is not None else pay.ensure_wallet(round_.winner.user),
        round_.amount,
        key=f"community:arisan:{round_.pk}:payout",
        description=str(
            _("Arisan %(name)s putaran %(n)s untuk %(winner)s")
            % {"name": group.name, "n": round_.number, "winner": round_.winner.user}
        ),
        reference=f"arisan:{group.pk}:{round_.number}",
        actor=actor,
    )
    round_.status = ArisanRound.Status.PAID_OUT
    round_.payout_entry = entry
    round_.paid_out_at = timezone.now()
    round_.save(update_fields=["status", "payout_entry", "paid_out_at"])
    if not group.rounds.filter(status=ArisanRound.Status.OPEN).exists():
        group.status = ArisanGroup.Status.FINISHED
        group.save(update_fields=["status"])
    notify(
        [round_.winner.user],
        event="community.arisan_payout",
        title=str(_("Anda menerima arisan %(name)s") % {"name": group.name}),
        body=notice or str(_("%(amount)s masuk ke dompet KotaKitaPay Anda.") % {"amount": rupiah(round_.amount)}),
        url=f"/kas/arisan/{group.pk}/",
        key=f"community-arisan-payout-{round_.pk}",
    )
    return round_


@transaction.atomic
def choose_payout(round_: ArisanRound, *, as_voucher: bool, actor: User) -> ArisanRound:
    """Before the round is paid out, its organiser or its winner chooses how: a UMKM voucher
    (`as_voucher`, apps.bazar) or cash into the wallet. The payout, the organiser's or the
    scheduled one, follows the choice. The same choice again changes nothing."""
    group, round_ = _locked_round(round_)
    is_winner = round_.winner.user_id == actor.pk
    if not is_winner:
        _require_organiser(actor, group)
    if round_.status != ArisanRound.Status.OPEN:
        raise Conflict(_("Putaran ini sudah dibayarkan."), code="round_closed")
    as_voucher = bool(as_voucher)
    if as_voucher and events.voucher_payout() is None:
        raise Conflict(_("Pembayaran sebagai voucher tidak tersedia."), code="voucher_unavailable")
    if round_.payout_as_voucher == as_voucher:
        return round_
    round_.payout_as_voucher = as_voucher
    round_.save(update_fields=["payout_as_voucher"])
    how = _("voucher UMKM") if as_voucher else _("uang ke dompet")
    others = {round_.winner.user, group.organiser}
    notify(
        [u for u in others if u.pk != actor.pk],
        event="community.arisan_payout_choice",
        title=str(_("Arisan %(name)s putaran %(n)s") % {"name": group.name, "n": round_.number}),
        body=str(_("%(who)s memilih pembayaran sebagai %(how)s.") % {"who": actor, "how": how}),
        url=f"/kas/arisan/{group.pk}/",
        key=f"community-arisan-choice-{round_.pk}-{int(as_voucher)}-{timezone.now():%Y%m%d%H%M%S}",
    )
    return round_


def send_arisan_reminders(*, today: date | None = None) -> int:
    """Remind each member whose share of a due (or overdue) round is missing, once per round;
    pay out due rounds that are complete."""
    today = today or timezone.localdate()
    sent = 0
    rounds = (
        ArisanRound.objects.filter(
            status=ArisanRound.Status.OPEN, group__status=ArisanGroup.Status.RUNNING, due_date__lte=today
        )
        .select_related("group")
        .order_by("group_id", "number")
    )
    for round_ in rounds:
        group = round_.group
        paid = set(
            ArisanContribution.objects.filter(round=round_, status=ArisanContribution.Status.PAID).values_list(
                "member_id", flat=True
            )
        )
        members = list(group.members.select_related("user"))
        for member in members:
            if member.pk in paid:
                continue
            with transaction.atomic():
                made = notify(
                    [member.user],
                    event="community.arisan_missed",
                    title=str(_("Setoran arisan %(name)s belum masuk") % {"name": group.name}),
                    body=str(
                        _("Putaran %(n)s jatuh tempo %(date)s: setor %(amount)s.")
                        % {
                            "n": round_.number,
                            "date": round_.due_date.isoformat(),
                            "amount": rupiah(group.contribution),
                        }
                    ),
                    url=f"/kas/arisan/{group.pk}/",
                    key=f"community-arisan-missed-{round_.pk}-{member.pk}",
                )
            if made:
                sent += 1
        if members and len(paid) == len(members):
            try:
                pay_out(round_, actor=None)
            except Conflict as exc:  # an earlier round is still open: wait for it
                logger.info("arisan round %s not paid out: %s", round_.pk, exc.message)
    return sent


def pool_account_of(group: ArisanGroup) -> Account:
    return Account.objects.get(pk=group.pool_account_id)
