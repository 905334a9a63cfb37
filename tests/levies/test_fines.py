"""Late fines against hand-computed examples (whole rupiah, started months, cap)."""

from __future__ import annotations

from datetime import date

import pytest

from apps.levies.fines import late_fine, months_late


@pytest.mark.parametrize(
    ("due", "paid", "months"),
    [
        (date(2026, 1, 15), date(2026, 1, 15), 0),  # on the due date
        (date(2026, 1, 15), date(2026, 1, 10), 0),  # early
        (date(2026, 1, 15), date(2026, 1, 16), 1),  # one day late: a started month
        (date(2026, 1, 15), date(2026, 2, 15), 1),  # exactly one month
        (date(2026, 1, 15), date(2026, 2, 16), 2),
        (date(2026, 1, 31), date(2026, 2, 28), 1),  # short month: ends on its last day
        (date(2026, 1, 31), date(2026, 3, 1), 2),
        (date(2025, 12, 20), date(2026, 1, 5), 1),  # across a year
        (date(2024, 1, 10), date(2026, 1, 11), 25),
    ],
)
def test_months_late(due: date, paid: date, months: int) -> None:
    assert months_late(due, paid) == months


def test_two_percent_a_month_by_hand() -> None:
    # Rp15.000 persampahan, 2%/month: one started month = 300; three = 900.
    assert late_fine(15_000, date(2026, 1, 10), date(2026, 1, 11), rate_bps=200, cap_months=24) == 300
    assert late_fine(15_000, date(2026, 1, 10), date(2026, 3, 11), rate_bps=200, cap_months=24) == 900


def test_rounding_to_whole_rupiah_half_up() -> None:
    # 12.345 x 2% = 246,9 -> 247; 12.325 x 2% = 246,5 -> 247; 12.320 x 2% = 246,4 -> 246.
    assert late_fine(12_345, date(2026, 1, 1), date(2026, 1, 2), rate_bps=200, cap_months=24) == 247
    assert late_fine(12_325, date(2026, 1, 1), date(2026, 1, 2), rate_bps=200, cap_months=24) == 247
    assert late_fine(12_320, date(2026, 1, 1), date(2026, 1, 2), rate_bps=200, cap_months=24) == 246
    # 1% a month on 33.333 for 2 months = 666,66 -> 667
    assert late_fine(33_333, date(2026, 1, 1), date(2026, 2, 2), rate_bps=100, cap_months=15) == 667


def test_the_cap_stops_the_fine_growing() -> None:
    # 2% x 24 months cap = 48% of 100.000 = 48.000, however late.
    assert late_fine(100_000, date(2020, 1, 1), date(2026, 1, 1), rate_bps=200, cap_months=24) == 48_000
    assert late_fine(100_000, date(2026, 1, 1), date(2026, 1, 2), rate_bps=0, cap_months=24) == 0
    assert late_fine(0, date(2026, 1, 1), date(2026, 5, 2), rate_bps=200, cap_months=24) == 0
