"""Kas RT: cash books, treasurers, income and expense lines, voids."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.notifications.services import notify
from apps.payments import services as pay
from apps.rtrw.models import RukunTetangga

from .. import ledger, policy
from ..models import (
    EXPENSE_CATEGORIES,
    INCOME_CATEGORIES,
    CashBook,
    CashBookEntry,
    Category,
    IuranPayment,
    Treasurer,
)
from ._common import (
    Channel,
    Direction,
    _key,
    _line,
    _locked_book,
    _require_manager,
    _text,
    clean_amount,
    clean_receipt,
    parse_day,
)


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
