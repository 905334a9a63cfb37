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

from ._common import (
    FAILED_CHARGE,
    MONTHS_AHEAD,
    RECEIPT_RULE,
    Channel,
    Direction,
    add_months,
    clean_amount,
    clean_receipt,
    first_of_month,
    parse_day,
    parse_month,
    this_month,
)
from .arisan import (
    add_member,
    choose_payout,
    commit_draw,
    contribute_with_wallet,
    create_group,
    pay_out,
    pool_account_of,
    remove_member,
    reveal_draw,
    send_arisan_reminders,
    set_agreed_order,
    start_contribution_qris,
    sync_contribution,
)
from .iuran import (
    add_exemption,
    amount_for_month,
    member_book,
    next_qris_poll,
    pay_iuran_with_wallet,
    record_iuran_cash,
    reminder_day,
    send_iuran_reminders,
    set_schedule,
    start_iuran_qris,
    sync_iuran_payment,
    sync_pending_qris,
)
from .kas import assign_treasurer, end_treasurer, open_cash_book, record_expense, record_income, void_entry

__all__ = [
    "FAILED_CHARGE",
    "MONTHS_AHEAD",
    "RECEIPT_RULE",
    "Channel",
    "Direction",
    "add_exemption",
    "add_member",
    "add_months",
    "amount_for_month",
    "assign_treasurer",
    "choose_payout",
    "clean_amount",
    "clean_receipt",
    "commit_draw",
    "contribute_with_wallet",
    "create_group",
    "end_treasurer",
    "first_of_month",
    "member_book",
    "next_qris_poll",
    "open_cash_book",
    "parse_day",
    "parse_month",
    "pay_iuran_with_wallet",
    "pay_out",
    "pool_account_of",
    "record_expense",
    "record_income",
    "record_iuran_cash",
    "reminder_day",
    "remove_member",
    "reveal_draw",
    "send_arisan_reminders",
    "send_iuran_reminders",
    "set_agreed_order",
    "set_schedule",
    "start_contribution_qris",
    "start_iuran_qris",
    "sync_contribution",
    "sync_iuran_payment",
    "sync_pending_qris",
    "this_month",
    "void_entry",
]
