"""Invoice arithmetic in integer rupiah (pure: no Django, no floats).

Rounding rule, everywhere: a fraction of a rupiah is rounded half up to a whole rupiah, once per
invoice line (never on intermediate values), so every line is reproducible by hand:

    subscription = round_half_up(monthly_fee * active_days / days_in_month)
    fee share    = round_half_up(platform_fees * fee_share_bps / 10_000)
    total        = sum of the lines

A day counts as active when the tenant was active for any part of it (local time), so the day it
is activated and the day it is suspended are both billed.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

BPS = 10_000


def round_half_up_div(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up, for numerator >= 0 and denominator > 0."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        raise ValueError("numerator must not be negative")
    return (2 * numerator + denominator) // (2 * denominator)


def days_in_month(period: date) -> int:
    return calendar.monthrange(period.year, period.month)[1]


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(period: date) -> date:
    return (period.replace(day=1) + timedelta(days=32)).replace(day=1)


def prorated_subscription(monthly_fee: int, active_days: int, total_days: int) -> int:
    if not 0 <= active_days <= total_days:
        raise ValueError("active days must be between 0 and the days of the period")
    if monthly_fee < 0:
        raise ValueError("monthly fee must not be negative")
    return round_half_up_div(monthly_fee * active_days, total_days)


def fee_share(platform_fees: int, share_bps: int) -> int:
    if not 0 <= share_bps <= BPS:
        raise ValueError("share must be between 0 and 10000 basis points")
    return round_half_up_div(max(platform_fees, 0) * share_bps, BPS)


@dataclass(frozen=True)
class Interval:
    """[start, end) in local time; end None = still going."""

    start: datetime
    end: datetime | None


def active_intervals(events: Iterable[tuple[datetime, bool]]) -> list[Interval]:
    """Turn (moment, is_active) status changes, in time order, into active intervals."""
    out: list[Interval] = []
    since: datetime | None = None
    for at, active in sorted(events, key=lambda e: e[0]):
        if active and since is None:
            since = at
        elif not active and since is not None:
            out.append(Interval(since, at))
            since = None
    if since is not None:
        out.append(Interval(since, None))
    return out


def active_days(intervals: Iterable[Interval], first: date, last: date) -> int:
    """Days d in [first, last] on which some interval overlaps [d 00:00, d+1 00:00)."""
    days: set[date] = set()
    for iv in intervals:
        start_day = iv.start.date()
        if iv.end is None:
            end_day = last
        else:
            # An interval ending exactly at midnight does not touch the day that starts then.
            end_moment = iv.end - timedelta(microseconds=1)
            if end_moment < iv.start:
                continue
            end_day = end_moment.date()
        lo, hi = max(start_day, first), min(end_day, last)
        d = lo
        while d <= hi:
            days.add(d)
            d += timedelta(days=1)
    return len(days)
