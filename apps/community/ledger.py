"""The one place apps.community talks to KotaKitaPay's ledger.

What payments offers today and what we use:

* `open_account(kind, name=, code=)` — the RT's accounts (kind `rt_cash`, twice: digital and
  cash on hand), the RT's cash clearing account and each arisan pool (kind `arisan_pool`).
* `start_top_up(account)` — a QRIS charge at the gateway whose settlement credits an `rt_cash`
  or `arisan_pool` account (gateway clearing → account): how QRIS iuran and contributions pay.
* `reverse_entry(entry)` — voiding a cash-book line.

What it does not offer yet: a movement between a wallet and an `rt_cash`/`arisan_pool` account,
or between two accounts of an RT (`transfer` is wallet → wallet only, `pay` needs a merchant
account and takes a fee). `move()` below posts that one balanced TRANSFER entry with the
ledger's own posting core (`_lock`, `_replay`, `_post`: same row locks in id order, same
idempotency, same no-overdraft check, same balanced-entry trigger). It is the only import of
those private helpers; when payments generalises `transfer` (see the report in the package
docstring) this function becomes a one-line call and nothing else changes.

There is no account kind for "cash outside KotaKitaPay" yet either: the clearing account uses
`loan_receivable`, the only openable kind that may go negative (wanted: a `cash_clearing` kind).
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.errors import ValidationFailed
from apps.payments import services as pay
from apps.payments.models import Account, AccountKind, EntryKind, JournalEntry

# Kinds `move` may touch: people's wallets and community accounts (never merchant/system ones).
CASH_KIND = AccountKind.RT_CASH
CLEARING_KIND = AccountKind.LOAN_RECEIVABLE  # see the module docstring
POOL_KIND = AccountKind.ARISAN_POOL
MOVABLE_KINDS = (AccountKind.WALLET, AccountKind.RT_CASH, AccountKind.ARISAN_POOL, AccountKind.LOAN_RECEIVABLE)


def open_rt_accounts(rt_pk: int, label: str) -> tuple[Account, Account, Account]:
    """(digital, cash on hand, cash clearing) of an RT, opened once (stable codes)."""
    digital = pay.open_account(CASH_KIND, name=str(_("Kas %(rt)s") % {"rt": label}), code=f"community:rt:{rt_pk}")
    cash = pay.open_account(
        CASH_KIND, name=str(_("Kas tunai %(rt)s") % {"rt": label}), code=f"community:rt:{rt_pk}:tunai"
    )
    clearing = pay.open_account(
        CLEARING_KIND,
        name=str(_("Kliring kas tunai %(rt)s") % {"rt": label}),
        code=f"community:rt:{rt_pk}:kliring-tunai",
    )
    return digital, cash, clearing


def open_pool(group_key: str, name: str) -> Account:
    return pay.open_account(POOL_KIND, name=str(_("Dana arisan %(name)s") % {"name": name})[:100], code=group_key)


@transaction.atomic
def move(
    source: Account,
    target: Account,
    amount: int,
    *,
    key: str,
    description: str,
    reference: str,
    actor: User | None,
) -> JournalEntry:
    """One balanced entry: `amount` from `source` to `target`. Idempotent on `key` (same key,
    same parameters → the same entry; other parameters → Conflict 409). Overdraft → 409."""
    amount = pay.clean_amount(amount)
    key = pay.clean_key(key)
    for account in (source, target):
        if account.kind not in MOVABLE_KINDS:
            raise ValidationFailed(_("Akun ini tidak bisa dipakai untuk kas warga."), code="wrong_account_kind")
    if source.pk == target.pk:
        raise ValidationFailed(_("Akun asal dan tujuan sama."), code="same_account")
    fingerprint = pay._fingerprint(
        "community_move", source=source.public_id, target=target.public_id, amount=amount, reference=reference
    )
    locked = pay._lock([source, target])
    if (replay := pay._replay(key, fingerprint)) is not None:
        return replay
    return pay._post(
        EntryKind.TRANSFER,
        [(source, -amount), (target, amount)],
        key=key,
        fingerprint=fingerprint,
        locked=locked,
        amount=amount,
        description=description,
        reference=reference,
        actor=actor,
    )
