"""Shared internals of the community services: months, amounts, text checks and receipt uploads."""

from __future__ import annotations

import calendar
import hashlib
import re
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from django.core.files.base import File
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core import uploads
from apps.core.errors import Conflict, Forbidden, ValidationFailed
from apps.core.short_text import clean_short_text
from apps.payments import services as pay
from apps.payments.models import ChargeStatus, JournalEntry
from apps.tenancy.due_work import Kind, schedule_due

from .. import policy
from ..models import (
    CashBook,
    CashBookEntry,
)

MONTHS_AHEAD = 12  # iuran may be paid up to a year in advance


FAILED_CHARGE = frozenset({ChargeStatus.EXPIRE, ChargeStatus.CANCEL, ChargeStatus.DENY, ChargeStatus.FAILURE})


Direction = CashBookEntry.Direction


Channel = CashBookEntry.Channel


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


# Positive whole rupiah within the payments limit; "10.000" typed in a form is 10000. Payments'
# reader itself (kas, iuran and arisan amounts all become ledger moves), not a copy.
clean_amount = pay.clean_amount


def _text(value: Any, *, field: str, label: Any, required: bool = True, limit: int = 255) -> str:
    """Trimmed text; refused (code "too_long"), never cut, past `limit` characters."""
    message = _("%(label)s wajib diisi.") % {"label": label} if required else ""
    return clean_short_text(value, field=field, max_length=limit, required_message=message)


def _key(client_key: str) -> str:
    """The caller's idempotency key in at most 80 characters. A longer one (an API client may send
    200) becomes its SHA-256, never its first 80 characters: two keys sharing those would replay
    each other's entry."""
    key = (client_key or "").strip()
    if len(key) > 80:
        return "sha256:" + hashlib.sha256(key.encode()).hexdigest()
    return key or secrets.token_hex(12)


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


def _require_manager(actor: User, book: CashBook) -> None:
    if not policy.can_manage_books(actor, book.rt):
        raise Forbidden(_("Hanya bendahara atau ketua %(rt)s yang bisa mencatat kas ini.") % {"rt": book.rt})


def _locked_book(book: CashBook) -> CashBook:
    return (
        CashBook.objects.select_for_update(of=("self",))  # the ledger locks accounts itself, in id order
        .select_related("rt__rw", "digital_account", "cash_account", "clearing_account")
        .get(pk=book.pk)
    )


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
        # Typed text arrives checked (kas `_text`, 255); the rest is built from names and months.
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


def _cancel_charge_later(order_id: str) -> None:
    from apps.core.tasks import enqueue_on_commit
    from apps.payments.tasks import cancel_at_gateway

    enqueue_on_commit(cancel_at_gateway, order_id)


# A pending QRIS charge is polled this often until it settles or expires (the safety net behind
# the gateway's settlement event, which normally settles it at once).
QRIS_POLL = timedelta(minutes=5)


def schedule_qris_poll(now: datetime | None = None) -> None:
    """A QRIS charge was opened: the due-work index wakes the poll of this tenant."""
    schedule_due(Kind.COMMUNITY_QRIS, (now or timezone.now()) + QRIS_POLL)
