"""Late-payment fines (denda keterlambatan): pure arithmetic, no Django.

The usual Perda rule: a fine of `rate` (basis points) of the principal for every month *or part
of a month* past the due date, for at most `cap_months` months (UU 1/2022 HKPD: 1% a month, at
most 24 months; older Perda: 2% a month, at most 24 or 15). Whole rupiah, half rounded up.
"""

from __future__ import annotations

import datetime


def months_late(due_on: datetime.date, paid_on: datetime.date) -> int:
    """Started months after the due date: paid on the due date -> 0, one day later -> 1, on the
    same day of the next month -> 1, the day after that -> 2. A due date on the 31st counts a month
    as ending on the last day of shorter months."""
    if paid_on <= due_on:
        return 0
    months = (paid_on.year - due_on.year) * 12 + (paid_on.month - due_on.month)
    # The month boundary: the due day, or the last day of the month when it is shorter.
    boundary_day = min(due_on.day, _last_day(paid_on.year, paid_on.month))
    if paid_on.day > boundary_day:
        months += 1
    return max(months, 1)


def _last_day(year: int, month: int) -> int:
    next_month = datetime.date(year + month // 12, month % 12 + 1, 1)
    return (next_month - datetime.timedelta(days=1)).day


def late_fine(principal: int, due_on: datetime.date, paid_on: datetime.date, *, rate_bps: int, cap_months: int) -> int:
    """The fine in whole rupiah for paying `principal` on `paid_on` when it was due on `due_on`."""
    if principal <= 0 or rate_bps <= 0 or cap_months <= 0:
        return 0
    months = min(months_late(due_on, paid_on), cap_months)
    return (principal * rate_bps * months + 5_000) // 10_000
