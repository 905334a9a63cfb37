"""Freeze Django's clock in a test without a new dependency: every `timezone.now()` (and so
`localtime()`, `localdate()`, `auto_now` fields) returns the given moment."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

JAKARTA = ZoneInfo("Asia/Jakarta")


def jakarta(day: datetime | None, at: time) -> datetime:
    """`at` (local Asia/Jakarta time) on `day`'s date (default: today in Jakarta)."""
    base = (day or timezone.now()).astimezone(JAKARTA).date()
    return datetime.combine(base, at, tzinfo=JAKARTA)


def freeze(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("freeze() needs an aware datetime")
    monkeypatch.setattr(timezone, "now", lambda: moment)
    return moment
