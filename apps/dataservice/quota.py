"""Per-key request quotas (per minute and per day, fixed windows), enforced atomically.

With REDIS_URL set the counters live in Redis and one Lua script checks and increments both
windows at once, so concurrent requests (several web workers) never exceed a quota. Without
Redis the same is done in PostgreSQL: both window rows are locked (`SELECT ... FOR UPDATE`,
always in the same order) inside one transaction.

Windows are aligned to the minute and to the day in the platform's time zone (the same day as
`UsageDay`). A refused request does not consume quota.
"""

from __future__ import annotations

import datetime
import functools
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import ApiKey, QuotaWindow

_SCRIPT = """
local m = tonumber(redis.call('GET', KEYS[1]) or '0')
local d = tonumber(redis.call('GET', KEYS[2]) or '0')
if m >= tonumber(ARGV[1]) then return 1 end
if d >= tonumber(ARGV[2]) then return 2 end
redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[4]))
return 0
"""


@dataclass(frozen=True)
class QuotaDecision:
    allowed: bool
    retry_after: int = 0  # seconds, when refused
    period: str = ""  # "minute" or "day", when refused


def _windows(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime, int, int]:
    """Start of the current minute and local day, and the seconds left in each."""
    minute = now.replace(second=0, microsecond=0)
    local = timezone.localtime(now)
    day = local.replace(hour=0, minute=0, second=0, microsecond=0)
    next_day = timezone.make_aware(datetime.datetime.combine(day.date() + datetime.timedelta(days=1), datetime.time()))
    minute_left = max(1, math.ceil(60 - now.second - now.microsecond / 1_000_000))
    day_left = max(1, int((next_day - now).total_seconds() + 0.999))
    return minute, day, minute_left, day_left


@functools.cache
def _redis(url: str) -> Any:
    import redis

    client = redis.Redis.from_url(url)
    return client, client.register_script(_SCRIPT)


def consume(api_key: ApiKey, now: datetime.datetime | None = None) -> QuotaDecision:
    """Count one request of `api_key`, or refuse it when a window is full."""
    now = now or timezone.now()
    url = getattr(settings, "REDIS_URL", None)
    if url:
        return _consume_redis(url, api_key, now)
    return _consume_db(api_key, now)


def _refused(code: int, minute_left: int, day_left: int) -> QuotaDecision:
    if code == 1:
        return QuotaDecision(False, minute_left, "minute")
    return QuotaDecision(False, day_left, "day")


def _consume_redis(url: str, api_key: ApiKey, now: datetime.datetime) -> QuotaDecision:
    minute, day, minute_left, day_left = _windows(now)
    _client, script = _redis(url)
    # Keyed by the key's random prefix (unique across databases sharing one Redis), never the key.
    base = f"kotakita:dataservice:quota:{api_key.prefix}"
    keys = [f"{base}:m:{int(minute.timestamp())}", f"{base}:d:{day.date().isoformat()}"]
    code = int(script(keys=keys, args=[api_key.per_minute, api_key.per_day, minute_left + 5, day_left + 60]))
    if code == 0:
        return QuotaDecision(True)
    return _refused(code, minute_left, day_left)


@transaction.atomic
def _consume_db(api_key: ApiKey, now: datetime.datetime) -> QuotaDecision:
    minute, day, minute_left, day_left = _windows(now)
    windows = [(QuotaWindow.Period.DAY.value, day), (QuotaWindow.Period.MINUTE.value, minute)]
    with connection.cursor() as cursor:
        for period, starts_at in windows:
            cursor.execute(
                "INSERT INTO dataservice_quotawindow (api_key_id, period, starts_at, used) VALUES (%s, %s, %s, 0) "
                "ON CONFLICT (api_key_id, period, starts_at) DO NOTHING",
                [api_key.pk, period, starts_at],
            )
    rows = {
        w.period: w
        for w in QuotaWindow.objects.select_for_update()
        .filter(Q(period=QuotaWindow.Period.DAY, starts_at=day) | Q(period=QuotaWindow.Period.MINUTE, starts_at=minute))
        .filter(api_key=api_key)
        .order_by("period")
    }
    day_row, minute_row = rows[QuotaWindow.Period.DAY], rows[QuotaWindow.Period.MINUTE]
    if minute_row.used >= api_key.per_minute:
        return _refused(1, minute_left, day_left)
    if day_row.used >= api_key.per_day:
        return _refused(2, minute_left, day_left)
    QuotaWindow.objects.filter(pk__in=[day_row.pk, minute_row.pk]).update(used=F("used") + 1)
    # Past windows are never read again: keep the table small.
    QuotaWindow.objects.filter(
        Q(period=QuotaWindow.Period.MINUTE, starts_at__lt=minute) | Q(period=QuotaWindow.Period.DAY, starts_at__lt=day),
        api_key=api_key,
    ).delete()
    return QuotaDecision(True)
