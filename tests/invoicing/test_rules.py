"""Invoice arithmetic against hand-computed examples; ageing buckets, reminders and weeks."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from apps.invoicing import rules
from apps.invoicing.rules import LineInput


def line(q: str, price: int) -> LineInput:
    return LineInput(description="x", quantity=Decimal(q), unit="kg", unit_price=price)


def test_line_amount_rounds_half_up_to_whole_rupiah() -> None:
    assert rules.line_amount(Decimal("2.5"), 13_333) == 33_333  # 33.332,5 → 33.333
    assert rules.line_amount(Decimal("0.25"), 13_333) == 3_333  # 3.333,25 → 3.333
    assert rules.line_amount(Decimal("40"), 25_000) == 1_000_000


def test_no_tax_when_the_shop_is_not_pkp() -> None:
    t = rules.totals([line("40", 25_000), line("40", 3_000)], pkp=False)
    assert (t.subtotal, t.tax_percent, t.tax, t.total) == (1_120_000, 0, 0, 1_120_000)


def test_ppn_is_11_percent_of_the_base_rounded_down() -> None:
    # 1.000.000 + 234.567 = 1.234.567; 11% = 135.802,37 → 135.802; total 1.370.369
    t = rules.totals([line("1", 1_000_000), line("1", 234_567)], pkp=True)
    assert (t.subtotal, t.tax_percent, t.tax, t.total) == (1_234_567, 11, 135_802, 1_370_369)
    # 2,5 × 13.333 = 33.333 (half up); 11% = 3.666,63 → 3.666; total 36.999
    t = rules.totals([line("2.5", 13_333)], pkp=True)
    assert (t.subtotal, t.tax, t.total) == (33_333, 3_666, 36_999)


def test_number_due_date_and_reminders() -> None:
    assert rules.format_number(7, 2026, 1) == "INV-007-2026-0001"
    assert rules.due_date(date(2026, 12, 6), 30) == date(2027, 1, 5)
    assert rules.reminder_days(date(2027, 1, 5)) == [
        date(2027, 1, 2),
        date(2027, 1, 6),
        date(2027, 1, 12),
        date(2027, 2, 4),
    ]
    assert rules.next_reminder(date(2027, 1, 5), 4) is None


def test_ageing_buckets_at_their_edges() -> None:
    due = date(2026, 1, 31)
    cases = {0: "current", 1: "1_30", 30: "1_30", 31: "31_60", 60: "31_60", 61: "61_90", 90: "61_90", 91: "over_90"}
    for late, bucket in cases.items():
        assert rules.ageing_bucket(due, date.fromordinal(due.toordinal() + late)) == bucket
    assert rules.ageing_bucket(due, date(2026, 1, 1)) == "current"


def test_week_index_puts_overdue_money_in_the_first_week() -> None:
    start = date(2026, 12, 6)
    assert rules.week_index(date(2026, 11, 1), start) == 0
    assert rules.week_index(date(2026, 12, 12), start) == 0
    assert rules.week_index(date(2026, 12, 13), start) == 1
