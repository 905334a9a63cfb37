"""Every write of apps.community: one function each, atomic, raising apps.core.errors.

Kas RT: `open_cash_book`, `assign_treasurer`/`end_treasurer`, `record_income`,
`record_expense`, `void_entry`. Iuran: `set_schedule`, `add_exemption`,
`pay_iuran_with_wallet`, `start_iuran_qris` + `sync_iuran_payment`, `record_iuran_cash`,
`send_iuran_reminders`. Arisan: `create_group`, `add_member`/`remove_member`, `commit_draw` +
`reveal_draw` (random) or `set_agreed_order`, `contribute_with_wallet`,
`start_contribution_qris` + `sync_contribution`, `pay_out`, `send_arisan_reminders`.

Money moves through `ledger` (KotaKitaPay); every movement has an idempotency key derived from
what it is for ("community:iuran:<member>:<month>:<client key>", "community:arisan:<round>:
<member>:setoran", "community:arisan:<round>:payout", ...), so a retried call never moves money
twice. Rows that must be unique (one paid iuran per member and month, one paid contribution per
round and member, one winner per member) are also unique in the database.
"""

from __future__ import annotations

import calendar
import logging
import re
import secrets
from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import uploads
from apps.core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from apps.notifications.services import notify
from apps.payments import services as pay
from apps.payments.models import Account, ChargeStatus, GatewayCharge, JournalEntry
from apps.rtrw.models import Residency, RukunTetangga

from . import draw, ledger, policy
from .models import (
    EXPENSE_CATEGORIES,
    INCOME_CATEGORIES,
    ArisanContribution,
    ArisanGroup,
    ArisanMember,
    ArisanRound,
    CashBook,
    CashBookEntry,
    Category,
    IuranExemption,
    IuranPayment,
    IuranSchedule,
    Treasurer,
    month_label,
)

logger = logging.getLogger(__name__)

MONTHS_AHEAD = 12  # iuran may be paid up to a year in advance
FAILED_CHARGE = frozenset({ChargeStatus.EXPIRE, ChargeStatus.CANCEL, ChargeStatus.DENY, ChargeStatus.FAILURE})
Direction = CashBookEntry.Direction
Channel = CashBookEntry.Channel


# --- small helpers ----------------------------------------------------------------------------


def rupiah(amount: int) -> str:
    return pay.rupiah(amount)


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + (month.month - 1) + count
    year, zero_month = divmod(index, 12)
    day = min(month.day, calendar.monthrange(year, zero_month + 1)[1])
    return date(year, zero_month + 1, day)


def this_month(today: date | None = None) -> date:
    return first_of_month(today or timezone.localdate())


_MONTH = re.compile(r"^\s*(\d{4})-(\d{1,2})(?:-\d{1,2})?\s*$")


def parse_month(value: Any, *, field: str = "month") -> date:
    """A month as the date of its first day, from a date or "YYYY-MM" (422 otherwise)."""
    if isinstance(value, date):
        return first_of_month(value)
    match = _MONTH.match(str(value or ""))
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    raise ValidationFailed(_("Bulan harus berformat TTTT-BB, misalnya 2026-03."), code="invalid_month", field=field)


def parse_day(value: Any, *, field: str = "occurred_on") -> date:
    if value in (None, ""):
        return timezone.localdate()
    if isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise ValidationFailed(_("Tanggal tidak valid."), code="invalid_date", field=field) from None
    if day > timezone.localdate():
        raise ValidationFailed(_("Tanggal tidak boleh di masa depan."), code="future_date", field=field)
    return day


def clean_amount(value: Any, *, field: str = "amount") -> int:
    """Positive whole rupiah; "10.000" means 10000 (form input)."""
    if isinstance(value, str):
        value = value.strip().replace(".", "").replace(" ", "").removeprefix("Rp").removeprefix("rp")
    return pay.clean_amount(value, field=field)


def _text(value: Any, *, field: str, label: Any, required: bool = True, limit: int = 255) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise ValidationFailed(_("%(label)s wajib diisi.") % {"label": label}, code="required", field=field)
    return text[:limit]


def _key(client_key: str) -> str:
    return (client_key or "").strip()[:80] or secrets.token_hex(12)


# --- receipts ---------------------------------------------------------------------------------


RECEIPT_RULE = uploads.UploadRule(
    field="receipt",
    allowed=(uploads.JPEG, uploads.PNG, uploads.PDF),
    max_bytes=2 * uploads.MB,
    label=_("Bukti"),
    too_large=_("%(label)s terlalu besar (%(mb).1f MB); paling besar %(limit)s."),
    wrong_type=_("%(label)s harus foto atau berkas %(types)s (isi berkas diperiksa, bukan namanya)."),
    empty=_("Berkas bukti kosong."),
)


def clean_receipt(upload: File[Any] | None) -> uploads.CheckedUpload | None:
    """JPEG/PNG/PDF by content (magic bytes), 1 byte to 2 MB; None when nothing was uploaded."""
    if upload is None:
        return None
    return uploads.check_upload(upload, RECEIPT_RULE)


def _store_receipt(line: CashBookEntry, checked: uploads.CheckedUpload) -> None:
    """Save under a server-chosen name (never the uploader's), in the tenant's storage."""
    line.receipt.save(f"bukti-{secrets.token_hex(8)}.{checked.kind.extension}", checked.file, save=False)
    line.receipt_type = checked.kind.content_type


# --- kas RT -----------------------------------------------------------------------------------


def _require_manager(actor: User, book: CashBook) -> None:
    if not policy.can_manage_books(actor, book.rt):
        raise Forbidden(_("Hanya bendahara atau ketua %(rt)s yang bisa mencatat kas ini.") % {"rt": book.rt})


def open_cash_book(rt: RukunTetangga) -> CashBook:
    """The RT's kas with its three ledger accounts; opened once (safe under concurrency)."""
    existing = CashBook.objects.filter(rt=rt).first()
    if existing is not None:
        return existing
    with transaction.atomic():
        digital, cash, clearing = ledger.open_rt_accounts(rt.pk, str(rt))
        try:
            with transaction.atomic():
                return CashBook.objects.create(
                    rt=rt, digital_account=digital, cash_account=cash, clearing_account=clearing
                )
        except IntegrityError:
            return CashBook.objects.get(rt=rt)


def _locked_book(book: CashBook) -> CashBook:
    return (
        CashBook.objects.select_for_update(of=("self",))  # the ledger locks accounts itself, in id order
        .select_related("rt__rw", "digital_account", "cash_account", "clearing_account")
        .get(pk=book.pk)
    )


@transaction.atomic
def assign_treasurer(rt: RukunTetangga, user: User, *, actor: User) -> Treasurer:
    """Make `user` the RT's bendahara (the previous one, if any, steps down)."""
    if not policy.can_assign_treasurer(actor, rt):
        raise Forbidden(_("Hanya ketua %(rt)s atau staf kelurahan yang bisa menunjuk bendahara.") % {"rt": rt})
    if not user.is_active:
        raise ValidationFailed(_("Pengguna ini tidak aktif."), code="inactive_user", field="user")
    RukunTetangga.objects.select_for_update().filter(pk=rt.pk).first()
    current = Treasurer.objects.filter(rt=rt, ended_at__isnull=True).first()
    if current is not None and current.user_id == user.pk:
        return current
    now = timezone.now()
    if current is not None:
        current.ended_at = now
        current.ended_by = actor
        current.save(update_fields=["ended_at", "ended_by"])
    treasurer = Treasurer.objects.create(rt=rt, user=user, assigned_by=actor, started_at=now)
    open_cash_book(rt)
    notify(
        [user],
        event="community.treasurer_assigned",
        title=str(_("Anda ditunjuk sebagai bendahara %(rt)s") % {"rt": rt}),
        body=str(_("Catat pemasukan, pengeluaran dan iuran warga di halaman Kas RT.")),
        url=f"/kas/rt/{rt.pk}/",
        key=f"community-treasurer-{treasurer.pk}",
    )
    return treasurer


@transaction.atomic
def end_treasurer(rt: RukunTetangga, *, actor: User) -> Treasurer | None:
    if not policy.can_assign_treasurer(actor, rt):
        raise Forbidden(_("Hanya ketua %(rt)s atau staf kelurahan yang bisa mengganti bendahara.") % {"rt": rt})
    current = Treasurer.objects.select_for_update().filter(rt=rt, ended_at__isnull=True).first()
    if current is not None:
        current.ended_at = timezone.now()
        current.ended_by = actor
        current.save(update_fields=["ended_at", "ended_by"])
    return current


def _line(
    book: CashBook,
    entry: JournalEntry,
    *,
    direction: str,
    category: str,
    channel: str,
    amount: int,
    description: str,
    occurred_on: date | None = None,
    member: User | None = None,
    actor: User | None = None,
    receipt: uploads.CheckedUpload | None = None,
) -> CashBookEntry:
    """The cash-book line of a ledger entry (a replayed entry returns its existing line)."""
    existing = CashBookEntry.objects.filter(journal_entry=entry).first()
    if existing is not None:
        if existing.cash_book_id != book.pk or existing.amount != amount or existing.direction != direction:
            raise Conflict(_("Kunci idempotensi ini sudah dipakai untuk catatan lain."), code="idempotency_conflict")
        return existing
    line = CashBookEntry(
        cash_book=book,
        direction=direction,
        category=category,
        channel=channel,
        amount=amount,
        description=description[:255],
        occurred_on=occurred_on or timezone.localdate(),
        member=member,
        journal_entry=entry,
        recorded_by=actor if actor is not None and actor.pk else None,
    )
    if receipt is not None:
        _store_receipt(line, receipt)  # the last step: nothing after it can fail but the insert
    try:
        line.save()
    except Exception:
        if line.receipt.name:
            line.receipt.storage.delete(line.receipt.name)
        raise
    return line


def _category(value: Any, allowed: Iterable[str]) -> str:
    allowed = list(allowed)
    if value not in allowed:
        raise ValidationFailed(
            _("Kategori tidak dikenal untuk catatan ini."), code="invalid_category", field="category", choices=allowed
        )
    return str(value)


@transaction.atomic
def record_income(
    book: CashBook,
    *,
    actor: User,
    amount: Any,
    category: str,
    description: str,
    occurred_on: Any = None,
    receipt: File[Any] | None = None,
    client_key: str = "",
) -> CashBookEntry:
    """Cash received by the treasurer (not iuran: that is `record_iuran_cash`)."""
    _require_manager(actor, book)
    value = clean_amount(amount)
    if category == Category.IURAN:
        raise ValidationFailed(
            _("Iuran dicatat per warga lewat menu “Iuran tunai”, bukan sebagai pemasukan umum."),
            code="invalid_category",
            field="category",
        )
    category = _category(category, INCOME_CATEGORIES)
    text = _text(description, field="description", label=_("Keterangan"))
    day = parse_day(occurred_on)
    checked = clean_receipt(receipt)
    book = _locked_book(book)
    entry = ledger.move(
        book.clearing_account,
        book.cash_account,
        value,
        key=f"community:kas:{book.pk}:{_key(client_key)}",
        description=str(_("Pemasukan tunai: %(text)s") % {"text": text}),
        reference=f"kas:rt:{book.rt_id}",
        actor=actor,
    )
    return _line(
        book,
        entry,
        direction=Direction.INCOME,
        category=category,
        channel=Channel.CASH,
        amount=value,
        description=text,
        occurred_on=day,
        actor=actor,
        receipt=checked,
    )


@transaction.atomic
def record_expense(
    book: CashBook,
    *,
    actor: User,
    amount: Any,
    category: str,
    description: str,
    occurred_on: Any = None,
    receipt: File[Any] | None = None,
    channel: str = Channel.CASH,
    recipient: User | None = None,
    client_key: str = "",
) -> CashBookEntry:
    """Money spent: from cash on hand (`cash`) or from the KotaKitaPay balance to a recipient's
    wallet (`transfer`). More than is there → Conflict (409), nothing recorded."""
    _require_manager(actor, book)
    value = clean_amount(amount)
    category = _category(category, EXPENSE_CATEGORIES)
    text = _text(description, field="description", label=_("Keterangan"))
    day = parse_day(occurred_on)
    if channel not in (Channel.CASH, Channel.TRANSFER):
        raise ValidationFailed(_("Sumber dana tidak dikenal."), code="invalid_channel", field="channel")
    if channel == Channel.TRANSFER and (recipient is None or not recipient.is_active):
        raise ValidationFailed(
            _("Pilih penerima transfer (pengguna KotaKitaPay)."), code="recipient_required", field="recipient"
        )
    checked = clean_receipt(receipt)
    book = _locked_book(book)
    key = f"community:kas:{book.pk}:{_key(client_key)}"
    reference = f"kas:rt:{book.rt_id}"
    if channel == Channel.CASH:
        entry = ledger.move(
            book.cash_account,
            book.clearing_account,
            value,
            key=key,
            description=str(_("Pengeluaran tunai: %(text)s") % {"text": text}),
            reference=reference,
            actor=actor,
        )
    else:
        assert recipient is not None
        entry = ledger.move(
            book.digital_account,
            pay.ensure_wallet(recipient),
            value,
            key=key,
            description=str(_("Pengeluaran kas: %(text)s") % {"text": text}),
            reference=reference,
            actor=actor,
        )
    return _line(
        book,
        entry,
        direction=Direction.EXPENSE,
        category=category,
        channel=channel,
        amount=value,
        description=text,
        occurred_on=day,
        member=recipient if channel == Channel.TRANSFER else None,
        actor=actor,
        receipt=checked,
    )


@transaction.atomic
def void_entry(line: CashBookEntry, *, actor: User, reason: str) -> CashBookEntry:
    """Cancel a mistaken line: the ledger gets the reversing entry, the line stays (struck out).
    QRIS money cannot be voided here (it would have to go back through the gateway)."""
    line = CashBookEntry.objects.select_for_update(of=("self",)).select_related("cash_book__rt").get(pk=line.pk)
    _require_manager(actor, line.cash_book)
    text = _text(reason, field="reason", label=_("Alasan"))
    if line.voided_at is not None:
        return line
    if line.channel == Channel.QRIS:
        raise Conflict(
            _("Pembayaran QRIS tidak bisa dibatalkan dari buku kas; pengembalian dana lewat admin KotaKitaPay."),
            code="not_voidable",
        )
    reversal = pay.reverse_entry(
        line.journal_entry, idempotency_key=f"community:void:{line.pk}", reason=text, actor=actor
    )
    line.voided_at = timezone.now()
    line.voided_by = actor
    line.void_reason = text
    line.void_entry = reversal
    line.save(update_fields=["voided_at", "voided_by", "void_reason", "void_entry"])
    IuranPayment.objects.filter(entry=line, status=IuranPayment.Status.PAID).update(
        status=IuranPayment.Status.CANCELLED
    )
    return line


# --- iuran ------------------------------------------------------------------------------------


@transaction.atomic
def set_schedule(book: CashBook, *, actor: User, amount: Any, start_month: Any, note: str = "") -> IuranSchedule:
    """From `start_month` on each household owes `amount` a month (same month again: corrected)."""
    _require_manager(actor, book)
    value = clean_amount(amount)
    month = parse_month(start_month, field="start_month")
    schedule, _created = IuranSchedule.objects.update_or_create(
        cash_book=book,
        start_month=month,
        defaults={"amount": value, "note": str(note or "").strip()[:255], "created_by": actor},
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


def _cancel_charge_later(order_id: str) -> None:
    from apps.core.tasks import enqueue_on_commit
    from apps.payments.tasks import cancel_at_gateway

    enqueue_on_commit(cancel_at_gateway, order_id)


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
    it (`sync_iuran_payment`)."""
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
    charge = pay.start_top_up(book.digital_account, amount, actor=actor or member)
    return IuranPayment.objects.create(
        cash_book=book,
        member=member,
        month=when,
        amount=amount,
        method=IuranPayment.Method.QRIS,
        status=IuranPayment.Status.PENDING,
        charge=charge,
        recorded_by=actor or member,
    )


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
    entry = ledger.move(
        book.clearing_account,
        book.cash_account,
        amount,
        key=f"community:iuran-tunai:{member.pk}:{month_label(when)}:{_key(client_key)}",
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
        client_key=client_key[:200],
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


def reminder_day() -> int:
    return int(getattr(settings, "COMMUNITY_IURAN_REMINDER_DAY", 10))


def send_iuran_reminders(*, today: date | None = None) -> int:
    """Remind each household with unpaid iuran, once per member per month (notify key)."""
    from . import selectors

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


# --- arisan -----------------------------------------------------------------------------------


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
    charge = pay.start_top_up(group.pool_account, group.contribution, actor=payer)
    return ArisanContribution.objects.create(
        round=round_,
        member=member,
        amount=group.contribution,
        method=ArisanContribution.Method.QRIS,
        status=ArisanContribution.Status.PENDING,
        payer=payer,
        charge=charge,
    )


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
def pay_out(round_: ArisanRound, *, actor: User | None) -> ArisanRound:
    """Pay the round's winner exactly the pool of the round, once, after every member paid
    and every earlier round was paid out. `actor=None`: the scheduled job."""
    group, round_ = _locked_round(round_)
    if actor is not None:
        _require_organiser(actor, group)
    if round_.status == ArisanRound.Status.PAID_OUT:
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
        pay.ensure_wallet(round_.winner.user),
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
        body=str(_("%(amount)s masuk ke dompet KotaKitaPay Anda.") % {"amount": rupiah(round_.amount)}),
        url=f"/kas/arisan/{group.pk}/",
        key=f"community-arisan-payout-{round_.pk}",
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
