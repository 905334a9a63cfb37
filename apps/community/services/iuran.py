"""Iuran: schedules, exemptions, payment by wallet, QRIS or cash, and reminders."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.money import rupiah
from apps.core.short_text import clean_short_text
from apps.notifications.services import notify
from apps.payments import services as pay
from apps.payments.models import ChargeStatus, GatewayCharge
from apps.rtrw.models import Residency

from .. import ledger
from ..models import (
    ArisanContribution,
    CashBook,
    Category,
    IuranExemption,
    IuranPayment,
    IuranSchedule,
    month_label,
)
from ..receivers import IURAN_REFERENCE_KIND
from ._common import (
    FAILED_CHARGE,
    MONTHS_AHEAD,
    QRIS_POLL,
    Channel,
    Direction,
    _cancel_charge_later,
    _key,
    _line,
    _locked_book,
    _require_manager,
    _text,
    add_months,
    clean_amount,
    parse_month,
    schedule_qris_poll,
    this_month,
)
from .arisan import sync_contribution


@transaction.atomic
def set_schedule(book: CashBook, *, actor: User, amount: Any, start_month: Any, note: str = "") -> IuranSchedule:
    """From `start_month` on each household owes `amount` a month (same month again: corrected)."""
    _require_manager(actor, book)
    value = clean_amount(amount)
    month = parse_month(start_month, field="start_month")
    note = clean_short_text(note, field="note", max_length=255)
    schedule, _created = IuranSchedule.objects.update_or_create(
        cash_book=book,
        start_month=month,
        defaults={"amount": value, "note": note, "created_by": actor},
    )
    return schedule


@transaction.atomic
def add_exemption(
    book: CashBook, member: User, *, actor: User, from_month: Any, until_month: Any = None, reason: str
) -> IuranExemption:
    _require_manager(actor, book)
    start = parse_month(from_month, field="from_month")
    end = parse_month(until_month, field="until_month") if until_month not in (None, "") else None
    if end is not None and end < start:
        raise ValidationFailed(_("Bulan akhir sebelum bulan awal."), code="invalid_range", field="until_month")
    _require_resident(book, member)
    return IuranExemption.objects.create(
        cash_book=book,
        member=member,
        from_month=start,
        until_month=end,
        reason=_text(reason, field="reason", label=_("Alasan")),
        created_by=actor,
    )


def _require_resident(book: CashBook, member: User) -> None:
    if not Residency.objects.filter(user=member, rt=book.rt).exists():
        raise ValidationFailed(
            _("%(name)s bukan warga %(rt)s.") % {"name": member, "rt": book.rt}, code="not_a_member", field="member"
        )


def amount_for_month(book: CashBook, month: date) -> int:
    schedule = IuranSchedule.objects.filter(cash_book=book, start_month__lte=month).order_by("-start_month").first()
    return schedule.amount if schedule is not None else 0


def _due_amount(book: CashBook, member: User, month: date) -> int:
    """What `member` owes for `month`, or a clear 422 why nothing can be paid for it."""
    amount = amount_for_month(book, month)
    if amount <= 0:
        raise ValidationFailed(
            _("Belum ada iuran %(rt)s untuk bulan %(month)s.") % {"rt": book.rt, "month": month_label(month)},
            code="no_schedule",
            field="month",
        )
    if month > add_months(this_month(), MONTHS_AHEAD):
        raise ValidationFailed(
            _("Iuran paling jauh dibayar %(n)s bulan di muka.") % {"n": MONTHS_AHEAD}, code="too_far_ahead"
        )
    exempt = IuranExemption.objects.filter(cash_book=book, member=member, from_month__lte=month)
    if any(e.covers(month) for e in exempt):
        raise ValidationFailed(
            _("Bulan %(month)s dibebaskan dari iuran.") % {"month": month_label(month)}, code="exempt", field="month"
        )
    return amount


def member_book(member: User) -> CashBook:
    """The cash book of the RT the member lives in (404 when they live in none / it has none)."""
    residency = Residency.objects.filter(user=member).select_related("rt__rw").first()
    if residency is None:
        raise NotFound(_("Anda belum terdaftar sebagai warga sebuah RT."), code="no_residency")
    book = CashBook.objects.filter(rt=residency.rt).first()
    if book is None:
        raise NotFound(_("%(rt)s belum membuka kas.") % {"rt": residency.rt}, code="no_cash_book")
    return book


def _paid(member: User, month: date) -> IuranPayment | None:
    return IuranPayment.objects.filter(member=member, month=month, status=IuranPayment.Status.PAID).first()


def _already_paid(month: date) -> Conflict:
    return Conflict(
        _("Iuran bulan %(month)s sudah lunas; tidak dibayar dua kali.") % {"month": month_label(month)},
        code="already_paid",
    )


def _cancel_pending_iuran(member: User, month: date) -> None:
    for payment in IuranPayment.objects.select_for_update().filter(
        member=member, month=month, status=IuranPayment.Status.PENDING
    ):
        payment.status = IuranPayment.Status.CANCELLED
        payment.save(update_fields=["status"])
        if payment.charge is not None:
            _cancel_charge_later(payment.charge.order_id)


def _iuran_text(book: CashBook, member: User, month: date) -> str:
    return str(
        _("Iuran %(rt)s bulan %(month)s — %(name)s") % {"rt": book.rt, "month": month_label(month), "name": member}
    )


def _notify_paid(payment: IuranPayment) -> None:
    notify(
        [payment.member],
        event="community.iuran_paid",
        title=str(_("Iuran %(month)s lunas") % {"month": month_label(payment.month)}),
        body=str(
            _("Terima kasih: iuran %(amount)s untuk bulan %(month)s sudah tercatat (%(method)s).")
            % {
                "amount": rupiah(payment.amount),
                "month": month_label(payment.month),
                "method": payment.get_method_display(),
            }
        ),
        url="/kas/",
        key=f"community-iuran-paid-{payment.pk}",
    )


@transaction.atomic
def pay_iuran_with_wallet(member: User, month: Any, *, client_key: str, actor: User | None = None) -> IuranPayment:
    """The member's wallet pays one month into the RT's kas. The same client key again returns
    the same payment (nothing moves twice); another attempt for a paid month is a 409."""
    book = _locked_book(member_book(member))
    when = parse_month(month)
    amount = _due_amount(book, member, when)
    key = _key(client_key)
    paid = _paid(member, when)
    if paid is not None:
        if paid.client_key == key and paid.method == IuranPayment.Method.WALLET:
            return paid
        raise _already_paid(when)
    _cancel_pending_iuran(member, when)
    text = _iuran_text(book, member, when)
    entry = ledger.move(
        pay.ensure_wallet(member),
        book.digital_account,
        amount,
        key=f"community:iuran:{member.pk}:{month_label(when)}:{key}",
        description=text,
        reference=f"iuran:rt:{book.rt_id}:{month_label(when)}",
        actor=actor or member,
    )
    line = _line(
        book,
        entry,
        direction=Direction.INCOME,
        category=Category.IURAN,
        channel=Channel.WALLET,
        amount=amount,
        description=text,
        member=member,
        actor=actor or member,
    )
    payment = IuranPayment.objects.create(
        cash_book=book,
        member=member,
        month=when,
        amount=amount,
        method=IuranPayment.Method.WALLET,
        status=IuranPayment.Status.PAID,
        entry=line,
        client_key=key,
        recorded_by=actor or member,
        paid_at=timezone.now(),
    )
    _notify_paid(payment)
    return payment


@transaction.atomic
def start_iuran_qris(member: User, month: Any, *, actor: User | None = None) -> IuranPayment:
    """Open a QRIS charge for one month (reuses the open one); paid when the gateway settles
    it (`sync_iuran_payment`, queued by the settlement's event, see `receivers`)."""
    book = _locked_book(member_book(member))
    when = parse_month(month)
    amount = _due_amount(book, member, when)
    if _paid(member, when) is not None:
        raise _already_paid(when)
    pending = (
        IuranPayment.objects.select_for_update(of=("self",))
        .select_related("charge")
        .filter(member=member, month=when, status=IuranPayment.Status.PENDING)
        .first()
    )
    if pending is not None:
        charge = pending.charge
        if (
            charge is not None
            and charge.status in (ChargeStatus.CREATED, ChargeStatus.PENDING)
            and pending.amount == amount
        ):
            return pending
        pending.status = IuranPayment.Status.CANCELLED
        pending.save(update_fields=["status"])
    payment = IuranPayment(
        cash_book=book,
        member=member,
        month=when,
        amount=amount,
        method=IuranPayment.Method.QRIS,
        status=IuranPayment.Status.PENDING,
        recorded_by=actor or member,
    )
    payment.charge = pay.start_top_up(
        book.digital_account, amount, actor=actor or member, reference=f"{IURAN_REFERENCE_KIND}:{payment.public_id}"
    )
    payment.save()
    schedule_qris_poll()
    return payment


@transaction.atomic
def sync_iuran_payment(payment: IuranPayment) -> IuranPayment:
    """Take over what the gateway said about a pending QRIS iuran: settled → paid (or, if the
    month was paid another way meanwhile, booked and given back to the member's wallet);
    expired/cancelled → cancelled. Idempotent."""
    payment = (
        IuranPayment.objects.select_for_update(of=("self",)).select_related("cash_book__rt__rw").get(pk=payment.pk)
    )
    if payment.method != IuranPayment.Method.QRIS or payment.charge_id is None:
        return payment
    charge = GatewayCharge.objects.select_related("settlement_entry").get(pk=payment.charge_id)
    if payment.status == IuranPayment.Status.CANCELLED and charge.settlement_entry is None:
        return payment
    if payment.status in (IuranPayment.Status.PAID, IuranPayment.Status.DUPLICATE):
        return payment
    if charge.settlement_entry is None:
        if charge.status in FAILED_CHARGE and payment.status == IuranPayment.Status.PENDING:
            payment.status = IuranPayment.Status.CANCELLED
            payment.save(update_fields=["status"])
        return payment
    book = _locked_book(payment.cash_book)
    member = payment.member
    if _paid(member, payment.month) is None:
        text = _iuran_text(book, member, payment.month)
        payment.entry = _line(
            book,
            charge.settlement_entry,
            direction=Direction.INCOME,
            category=Category.IURAN,
            channel=Channel.QRIS,
            amount=charge.gross_amount,
            description=text,
            member=member,
            actor=member,
        )
        payment.status = IuranPayment.Status.PAID
        payment.paid_at = timezone.now()
        payment.save(update_fields=["entry", "status", "paid_at"])
        _notify_paid(payment)
        return payment
    # Paid twice (e.g. QRIS settled after a wallet payment): book the money, give it back.
    text = str(_("Kelebihan bayar iuran %(month)s — %(name)s") % {"month": month_label(payment.month), "name": member})
    payment.entry = _line(
        book,
        charge.settlement_entry,
        direction=Direction.INCOME,
        category=Category.LAINNYA,
        channel=Channel.QRIS,
        amount=charge.gross_amount,
        description=text,
        member=member,
        actor=member,
    )
    refund = ledger.move(
        book.digital_account,
        pay.ensure_wallet(member),
        charge.gross_amount,
        key=f"community:iuran-refund:{payment.pk}",
        description=str(_("Pengembalian kelebihan bayar iuran %(month)s") % {"month": month_label(payment.month)}),
        reference=f"iuran:rt:{book.rt_id}:{month_label(payment.month)}",
        actor=None,
    )
    _line(
        book,
        refund,
        direction=Direction.EXPENSE,
        category=Category.LAINNYA,
        channel=Channel.TRANSFER,
        amount=charge.gross_amount,
        description=str(_("Pengembalian kelebihan bayar ke dompet %(name)s") % {"name": member}),
        member=member,
    )
    payment.status = IuranPayment.Status.DUPLICATE
    payment.paid_at = timezone.now()
    payment.save(update_fields=["entry", "status", "paid_at"])
    notify(
        [member],
        event="community.iuran_refunded",
        title=str(_("Kelebihan bayar iuran dikembalikan")),
        body=str(
            _("Iuran %(month)s sudah lunas sebelumnya; %(amount)s dari QRIS dikembalikan ke dompet Anda.")
            % {"month": month_label(payment.month), "amount": rupiah(charge.gross_amount)}
        ),
        url="/dompet/",
        key=f"community-iuran-duplicate-{payment.pk}",
    )
    return payment


@transaction.atomic
def record_iuran_cash(book: CashBook, member: User, month: Any, *, actor: User, client_key: str = "") -> IuranPayment:
    """The treasurer received one month's iuran in cash from a household of the RT."""
    _require_manager(actor, book)
    _require_resident(book, member)
    book = _locked_book(book)
    when = parse_month(month)
    amount = _due_amount(book, member, when)
    if _paid(member, when) is not None:
        raise _already_paid(when)
    _cancel_pending_iuran(member, when)
    text = _iuran_text(book, member, when)
    key = _key(client_key)  # stored as the wallet payment stores it: at most 80, never a cut
    entry = ledger.move(
        book.clearing_account,
        book.cash_account,
        amount,
        key=f"community:iuran-tunai:{member.pk}:{month_label(when)}:{key}",
        description=text,
        reference=f"iuran:rt:{book.rt_id}:{month_label(when)}",
        actor=actor,
    )
    line = _line(
        book,
        entry,
        direction=Direction.INCOME,
        category=Category.IURAN,
        channel=Channel.CASH,
        amount=amount,
        description=text,
        member=member,
        actor=actor,
    )
    payment = IuranPayment.objects.create(
        cash_book=book,
        member=member,
        month=when,
        amount=amount,
        method=IuranPayment.Method.CASH,
        status=IuranPayment.Status.PAID,
        entry=line,
        client_key=key,
        recorded_by=actor,
        paid_at=timezone.now(),
    )
    _notify_paid(payment)
    return payment


def sync_pending_qris(*, book: CashBook | None = None, member: User | None = None) -> int:
    """Apply settled/failed QRIS charges to pending iuran and contributions; returns how many changed."""
    changed = 0
    iuran = IuranPayment.objects.filter(status=IuranPayment.Status.PENDING, method=IuranPayment.Method.QRIS)
    if book is not None:
        iuran = iuran.filter(cash_book=book)
    if member is not None:
        iuran = iuran.filter(member=member)
    for payment in iuran:
        if sync_iuran_payment(payment).status != IuranPayment.Status.PENDING:
            changed += 1
    contributions = ArisanContribution.objects.filter(
        status=ArisanContribution.Status.PENDING, method=ArisanContribution.Method.QRIS
    )
    if member is not None:
        contributions = contributions.filter(payer=member)
    if book is None:
        for contribution in contributions:
            if sync_contribution(contribution).status != ArisanContribution.Status.PENDING:
                changed += 1
    return changed


def next_qris_poll(now: datetime | None = None) -> datetime | None:
    """When this tenant's QRIS poll next has work: one interval from now while any iuran or
    arisan share still waits on its QRIS charge, else never (the next charge schedules it)."""
    waiting = (
        IuranPayment.objects.filter(status=IuranPayment.Status.PENDING, method=IuranPayment.Method.QRIS).exists()
        or ArisanContribution.objects.filter(
            status=ArisanContribution.Status.PENDING, method=ArisanContribution.Method.QRIS
        ).exists()
    )
    return (now or timezone.now()) + QRIS_POLL if waiting else None


def reminder_day() -> int:
    return int(getattr(settings, "COMMUNITY_IURAN_REMINDER_DAY", 10))


def send_iuran_reminders(*, today: date | None = None) -> int:
    """Remind each household with unpaid iuran, once per member per month (notify key)."""
    from .. import selectors

    today = today or timezone.localdate()
    current = this_month(today)
    sent = 0
    for book in CashBook.objects.filter(schedules__isnull=False).distinct().select_related("rt__rw"):
        sync_pending_qris(book=book)
        for dues in selectors.all_member_dues(book, until=current):
            months = [m for m, _a in dues.unpaid if m < current or today.day >= reminder_day()]
            if not months:
                continue
            total = sum(a for m, a in dues.unpaid if m in months)
            with transaction.atomic():
                made = notify(
                    [dues.member],
                    event="community.iuran_reminder",
                    title=str(_("Pengingat iuran %(rt)s") % {"rt": book.rt}),
                    body=str(
                        _(
                            "Iuran %(months)s belum tercatat lunas (total %(total)s). "
                            "Bayar lewat saldo, QRIS atau tunai ke bendahara."
                        )
                        % {"months": ", ".join(month_label(m) for m in months), "total": rupiah(total)}
                    ),
                    url="/kas/",
                    key=f"community-iuran-reminder-{book.pk}-{dues.member.pk}-{month_label(current)}",
                )
            if made:
                sent += 1
    return sent
