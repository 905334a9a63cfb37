"""Invoice arithmetic by hand: proration, fee share, rounding, active days (pure, no DB)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest

from apps.billing import arithmetic as a


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [(0, 7, 0), (10, 4, 3), (9, 4, 2), (7, 2, 4), (5, 2, 3), (1, 3, 0), (2, 3, 1), (30, 30, 1)],
)
def test_round_half_up(num: int, den: int, expected: int) -> None:
    assert a.round_half_up_div(num, den) == expected


def test_round_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        a.round_half_up_div(1, 0)
    with pytest.raises(ValueError):
        a.round_half_up_div(-1, 2)


def test_prorated_subscription_by_hand() -> None:
    # 500.000 x 18/31 = 290.322,58... -> 290.323
    assert a.prorated_subscription(500_000, 18, 31) == 290_323
    # 500.000 x 17/30 = 283.333,33... -> 283.333
    assert a.prorated_subscription(500_000, 17, 30) == 283_333
    # exactly half a rupiah rounds up: 1.000.001 x 15/30 = 500.000,5 -> 500.001
    assert a.prorated_subscription(1_000_001, 15, 30) == 500_001
    # 25.000.000 x 1/28 (February 2027) = 892.857,14... -> 892.857
    assert a.prorated_subscription(25_000_000, 1, 28) == 892_857
    assert a.prorated_subscription(500_000, 31, 31) == 500_000
    assert a.prorated_subscription(500_000, 0, 31) == 0
    with pytest.raises(ValueError):
        a.prorated_subscription(500_000, 32, 31)


def test_fee_share_by_hand() -> None:
    # 20% of 123.457 = 24.691,4 -> 24.691
    assert a.fee_share(123_457, 2_000) == 24_691
    # 15% of 12.345 = 1.851,75 -> 1.852
    assert a.fee_share(12_345, 1_500) == 1_852
    # 10% of 5 = 0,5 -> 1 (half up)
    assert a.fee_share(5, 1_000) == 1
    assert a.fee_share(0, 1_000) == 0
    assert a.fee_share(1_000, 10_000) == 1_000
    with pytest.raises(ValueError):
        a.fee_share(1_000, 10_001)


def test_days_in_month_and_next_month() -> None:
    assert a.days_in_month(date(2028, 2, 1)) == 29
    assert a.days_in_month(date(2027, 2, 1)) == 28
    assert a.next_month(date(2026, 12, 1)) == date(2027, 1, 1)
    assert a.next_month(date(2026, 1, 31)) == date(2026, 2, 1)


def test_active_days_with_mid_month_activation_and_suspension() -> None:
    events = [
        (datetime(2026, 10, 10, 9, 0), True),  # activated on the 10th
        (datetime(2026, 10, 20, 15, 0), False),  # suspended in the afternoon of the 20th
        (datetime(2026, 10, 25, 8, 0), True),  # back on the 25th
    ]
    intervals = a.active_intervals(events)
    assert len(intervals) == 2 and intervals[1].end is None
    # 10..20 = 11 days, 25..31 = 7 days
    assert a.active_days(intervals, date(2026, 10, 1), date(2026, 10, 31)) == 18
    # the same history seen from November: active the whole month
    assert a.active_days(intervals, date(2026, 11, 1), date(2026, 11, 30)) == 30
    # and September: not yet a tenant
    assert a.active_days(intervals, date(2026, 9, 1), date(2026, 9, 30)) == 0


def test_suspension_at_midnight_does_not_bill_the_next_day() -> None:
    start = datetime(2026, 10, 1, 0, 0)
    intervals = a.active_intervals([(start, True), (start + timedelta(days=5), False)])
    assert a.active_days(intervals, date(2026, 10, 1), date(2026, 10, 31)) == 5


def test_repeated_status_events_do_not_double_count() -> None:
    events = [
        (datetime(2026, 10, 1, 8), True),
        (datetime(2026, 10, 3, 8), True),  # saved again while active
        (datetime(2026, 10, 5, 8), False),
        (datetime(2026, 10, 6, 8), False),
    ]
    assert a.active_days(a.active_intervals(events), date(2026, 10, 1), date(2026, 10, 31)) == 5
