"""The one place apps.community talks to KotaKitaPay's ledger.

What we use of payments' public services:

* `open_account(kind, name=, code=)` — the RT's accounts (kind `rt_cash`, twice: digital and
  cash on hand), the RT's cash clearing account (kind `cash_clearing`, may go negative: the
  counterpart of banknotes that enter or leave outside KotaKitaPay) and each arisan pool
  (kind `arisan_pool`).
* `move(source, destination, amount, ...)` — one balanced TRANSFER entry between a wallet and
  an `rt_cash`/`arisan_pool` account, or between an RT's cash and its clearing account
  (payments' `MOVE_RULES` say which kinds may face each other): row locks in id order,
  idempotency, no overdraft, balanced-entry trigger — all payments' own.
* `start_top_up(account, reference=)` — a QRIS charge at the gateway whose settlement credits an
  `rt_cash` or `arisan_pool` account (gateway clearing → account): how QRIS iuran and
  contributions pay; its settlement reaches `receivers` as a payment event.
* `reverse_entry(entry)` — voiding a cash-book line.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.payments import services as pay
from apps.payments.models import Account, AccountKind, JournalEntry

CASH_KIND = AccountKind.RT_CASH
CLEARING_KIND = AccountKind.CASH_CLEARING
POOL_KIND = AccountKind.ARISAN_POOL


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
    # A built account label (the arisan's name is checked at 100 where it is typed): cut to the column.
    return pay.open_account(POOL_KIND, name=str(_("Dana arisan %(name)s") % {"name": name})[:100], code=group_key)


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
    """One balanced entry: `amount` from `source` to `target` (payments' `move`). Idempotent on
    `key` (same key, same parameters → the same entry; other parameters → Conflict 409).
    Overdraft → 409; a pair of kinds payments does not move between → ValidationFailed 422."""
    return pay.move(source, target, amount, idempotency_key=key, reference=reference, memo=description, actor=actor)
