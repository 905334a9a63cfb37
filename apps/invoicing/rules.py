"""Invoice arithmetic, numbering, ageing buckets and reminder dates. No Django model import.

Money is whole rupiah. A line is quantity × unit price rounded half up (as procurement does);
PPN is computed once on the invoice's taxable base and rounded down to whole rupiah, the way
e-Faktur computes it, so the buyer is never charged a fraction the tax office does not get.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

# PPN (UU 7/2021 "HPP" as amended): the rate is 12% from 1 January 2025, but for goods and
# services that are not luxury goods PMK 131/2024 sets the tax base (DPP nilai lain) at 11/12 of
# the price, so the tax actually charged is 11% of the price. UMKM sell no luxury goods, so the
# invoice charges 11% of the taxable base. Change it here (and only here) when the rule changes.
PPN_PERCENT = 11

DEFAULT_TERMS_DAYS = 30  # "net 30": the usual term for government and business buyers
MAX_TERMS_DAYS = 180

REMIND_BEFORE_DAYS = 3  # a reminder this many days before the due date
REMIND_AFTER_DAYS = (1, 7, 30)  # and these many days after it, while unpaid

AGEING_BUCKETS = ("current", "1_30", "31_60", "61_90", "over_90")
CASH_FLOW_WEEKS = 8


@dataclass(frozen=True)
class LineInput:
    description: str
    quantity: Decimal
    unit: str
    unit_price: int


@dataclass(frozen=True)
class Totals:
    subtotal: int
    tax_percent: int
    tax: int
    total: int


def line_amount(quantity: Decimal, unit_price: int) -> int:
    """2,5 kg × Rp13.333 = Rp33.332,5 → Rp33.333 (half up)."""
    return int((quantity * unit_price).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def totals(lines: Iterable[LineInput], *, pkp: bool) -> Totals:
    subtotal = sum(line_amount(line.quantity, line.unit_price) for line in lines)
    percent = PPN_PERCENT if pkp else 0
    tax = subtotal * percent // 100  # rounded down to whole rupiah
    return Totals(subtotal=subtotal, tax_percent=percent, tax=tax, total=subtotal + tax)


def format_number(shop_id: int, year: int, sequence: int) -> str:
    """INV-007-2026-0001: per shop and year; the shop id keeps numbers unique in the kelurahan,
    so "invoice:<number>" identifies the invoice of a payment (payments.events)."""
    return f"INV-{shop_id:03d}-{year}-{sequence:04d}"


def due_date(issued: date, terms_days: int) -> date:
    return issued + timedelta(days=terms_days)


def days_overdue(due: date, today: date) -> int:
    return max((today - due).days, 0)


def ageing_bucket(due: date, today: date) -> str:
    late = (today - due).days
    if late <= 0:
        return "current"
    if late <= 30:
        return "1_30"
    if late <= 60:
        return "31_60"
    if late <= 90:
        return "61_90"
    return "over_90"


def reminder_days(due: date) -> list[date]:
    """Every day a reminder is due for an invoice due on `due`, in order."""
    return [due - timedelta(days=REMIND_BEFORE_DAYS), *(due + timedelta(days=d) for d in REMIND_AFTER_DAYS)]


def next_reminder(due: date, sent: int) -> date | None:
    """The day of the next reminder after `sent` reminders were sent (None: no more)."""
    days = reminder_days(due)
    return days[sent] if sent < len(days) else None


def week_index(day: date, start: date) -> int:
    """0 for the week starting `start` (and anything before it: overdue money is expected now)."""
    return max((day - start).days // 7, 0)
