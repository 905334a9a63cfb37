"""The posting core: locks, idempotent replay, the one place a journal entry is written, and reversals."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import Conflict, NotFound, ValidationFailed
from apps.core.money import rupiah

from ..models import (
    Account,
    EntryKind,
    JournalEntry,
    Posting,
)
from ._common import PAYEE_KINDS, _require
from .accounts import platform_fee_account


def _fingerprint(operation: str, **params: Any) -> str:
    canonical = json.dumps({"op": operation, **params}, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _lock(accounts: Iterable[Account]) -> dict[int, Account]:
    """Lock the accounts' rows in ascending id order (one query) and return fresh copies."""
    ids = sorted({account.pk for account in accounts})
    locked = {a.pk: a for a in Account.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    if len(locked) != len(ids):
        raise NotFound(_("Akun tidak ditemukan."), code="unknown_account")
    return locked


def _replay(key: str, fingerprint: str) -> JournalEntry | None:
    entry = JournalEntry.objects.filter(idempotency_key=key).first()
    if entry is None:
        return None
    if entry.request_hash != fingerprint:
        raise Conflict(
            _("Kunci idempotensi ini sudah dipakai untuk transaksi lain."), code="idempotency_conflict", key=key
        )
    return entry


def check_balanced_now(entry: JournalEntry) -> None:
    """Refuse, inside the call, an entry whose postings as written do not sum to zero.

    The deferred constraint triggers (migrations 0002/0008) check the same rule at commit, too
    late for a clear error. The check is a plain query on the entry just written, not
    `SET CONSTRAINTS ... IMMEDIATE`: Citus does not pass SET CONSTRAINTS on to the worker that
    holds the tenant's shards, so there the deferred triggers would only fire at commit.
    """
    written = Posting.objects.filter(entry_id=entry.pk).aggregate(lines=Count("pk"), total=Sum("amount"))
    if written["lines"] < 2 or (written["total"] or 0) != 0:
        raise ValidationFailed(_("Transaksi tidak seimbang."), code="unbalanced", entry=str(entry.public_id))


def _insufficient(account: Account, needed: int) -> Conflict:
    return Conflict(
        _("Saldo %(name)s tidak cukup: ada %(balance)s, dibutuhkan %(needed)s.")
        % {"name": account.name, "balance": rupiah(account.balance), "needed": rupiah(needed)},
        code="insufficient_funds",
        account=str(account.public_id),
    )


def _post(
    kind: str,
    lines: Sequence[tuple[Account, int]],
    *,
    key: str,
    fingerprint: str,
    locked: dict[int, Account],
    amount: int,
    fee: int = 0,
    description: str = "",
    reference: str = "",
    reverses: JournalEntry | None = None,
    actor: User | None = None,
) -> JournalEntry:
    """Write one balanced entry. The caller holds the locks and has checked the key."""
    totals: dict[int, int] = {}
    for account, value in lines:
        totals[account.pk] = totals.get(account.pk, 0) + value
    postings = [(locked[pk], value) for pk, value in sorted(totals.items()) if value != 0]
    if len(postings) < 2 or sum(value for _account, value in postings) != 0:
        raise ValidationFailed(_("Transaksi tidak seimbang."), code="unbalanced")  # a bug, never user input
    for account, value in postings:
        if not account.is_active:
            raise Conflict(_("Akun %(name)s dibekukan.") % {"name": account.name}, code="account_frozen")
        if value < 0 and not account.allow_negative and account.balance + value < 0:
            raise _insufficient(account, -value)
    try:
        with transaction.atomic():
            entry = JournalEntry.objects.create(
                kind=kind,
                idempotency_key=key,
                request_hash=fingerprint,
                amount=amount,
                fee=fee,
                description=description[:255],
                reference=reference[:100],
                reverses=reverses,
                created_by=actor if actor is not None and actor.pk else None,
            )
            Posting.objects.bulk_create(
                Posting(entry=entry, account=account, amount=value) for account, value in postings
            )
            check_balanced_now(entry)
    except IntegrityError as exc:
        replay = _replay(key, fingerprint)  # a racing call with the same key committed first
        if replay is not None:
            return replay
        if "no_overdraft" in str(exc):
            raise Conflict(_("Saldo tidak cukup."), code="insufficient_funds") from exc
        raise
    for account, value in postings:
        account.balance += value  # mirror what the database did, for the caller
    return entry


def _payment(
    source: Account,
    merchant_account: Account,
    amount: int,
    fee: Any,
    reference: str,
    key: str,
    *,
    description: str,
    actor: User | None,
) -> JournalEntry:
    _require(merchant_account, PAYEE_KINDS, _("Tujuan pembayaran harus rekening penjualan."))
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        raise ValidationFailed(_("Biaya layanan tidak boleh negatif."), code="invalid_fee")
    if fee >= amount:
        raise ValidationFailed(_("Biaya layanan harus lebih kecil dari jumlah."), code="invalid_fee")
    if source.pk == merchant_account.pk:
        raise ValidationFailed(_("Tidak bisa membayar ke akun sendiri."), code="same_account")
    fee_account = platform_fee_account()
    fingerprint = _fingerprint(
        "pay",
        payer=source.public_id,
        merchant=merchant_account.public_id,
        amount=amount,
        fee=fee,
        reference=reference,
    )
    locked = _lock([source, merchant_account, fee_account])
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    return _post(
        EntryKind.PAYMENT,
        [(source, -amount), (merchant_account, amount - fee), (fee_account, fee)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        fee=fee,
        description=description or str(_("Pembayaran ke %(name)s") % {"name": merchant_account.name}),
        reference=reference,
        actor=actor,
    )


def _reversed_so_far(entry: JournalEntry) -> int:
    return int(entry.reversals.aggregate(total=Sum("amount"))["total"] or 0)


def _allocate(original: list[Posting], gross: int, before: int, after: int) -> list[tuple[Account, int]]:
    """Reversal lines taking the original entry from `before` to `after` rupiah reversed.

    Each side (money in, money out) is split pro rata by cumulative rounding: every posting
    gets floor(|amount| * reversed / gross) in total, the largest posting of a side takes the
    rest. At a full reversal each posting is reversed exactly; the lines always sum to zero.
    """
    lines: list[tuple[Account, int]] = []
    for sign in (1, -1):
        side = sorted((p for p in original if p.amount * sign > 0), key=lambda p: (abs(p.amount), p.pk))
        if not side:
            continue
        step = after - before
        shares = []
        for posting in side[:-1]:
            size = abs(posting.amount)
            shares.append((posting, size * after // gross - size * before // gross))
        shares.append((side[-1], step - sum(share for _p, share in shares)))
        lines += [(posting.account, -sign * share) for posting, share in shares if share]
    return lines


def _reverse(
    entry: JournalEntry,
    amount: int | None,
    *,
    kind: str,
    key: str,
    operation: str,
    description: str,
    actor: User | None,
) -> JournalEntry:
    """Reverse `amount` (None: all that is left) of an entry, pro rata over its postings."""
    entry = JournalEntry.objects.select_for_update().get(pk=entry.pk)
    original = list(entry.postings.select_related("account").order_by("pk"))
    fingerprint = _fingerprint(operation, entry=entry.public_id, amount=amount)
    locked = _lock(p.account for p in original)
    if (replay := _replay(key, fingerprint)) is not None:
        return replay
    before = _reversed_so_far(entry)
    left = entry.amount - before
    if amount is None:
        if left <= 0:
            raise Conflict(_("Jurnal ini sudah dibalik seluruhnya."), code="already_reversed")
        amount = left
    if amount > left:
        raise Conflict(
            _("Melebihi sisa yang bisa dikembalikan (%(left)s).") % {"left": rupiah(left)}, code="over_refund"
        )
    lines = _allocate(original, entry.amount, before, before + amount)
    return _post(
        kind,
        lines,
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description,
        reference=f"entry:{entry.public_id}",
        reverses=entry,
        actor=actor,
    )
