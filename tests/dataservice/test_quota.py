"""Quotas per key: 429 with Retry-After, refused requests do not count, and concurrent
requests never exceed a quota (Redis counters, and the PostgreSQL fallback)."""

from __future__ import annotations

import datetime
import os
import threading
from collections.abc import Iterator

import pytest
from django.db import connections
from django.test import override_settings
from django.utils import timezone

from apps.core import api_keys
from apps.dataservice import quota, services
from apps.dataservice.models import ApiKey, Partner, QuotaWindow, UsageDay
from tests.conftest import client_for

from .conftest import ALL_SCOPES, api

# Redis only when the run has one (CI's second step); a newcomer's `make test` has none.
REDIS = os.environ.get("REDIS_URL", "")
NO_REDIS = "REDIS_URL is not set (CI's Redis step runs it)"
NEEDS_REDIS = [pytest.mark.redis, pytest.mark.skipif(not REDIS, reason=NO_REDIS)]
BACKENDS = [pytest.param(REDIS, id="redis", marks=NEEDS_REDIS), pytest.param(None, id="postgres")]


@pytest.mark.django_db
@pytest.mark.parametrize("redis_url", BACKENDS)
def test_minute_quota_gives_429_with_retry_after(redis_url: str | None, partner: Partner) -> None:
    api_key, raw = services.create_api_key(
        partner=partner, name="kecil", scopes=ALL_SCOPES, region_prefixes=["35.77"], per_minute=3, per_day=100
    )
    with override_settings(REDIS_URL=redis_url):
        statuses = [api(raw).get("/api/v1/data/indicators/").status_code for _ in range(3)]
        refused = api(raw).get("/api/v1/data/indicators/")
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    error = refused.json()["error"]
    assert error["code"] == "throttled"
    assert error["message"].startswith("Kuota per menit kunci API terlampaui")
    usage = UsageDay.objects.get(api_key=api_key)
    assert (usage.requests, usage.throttled) == (3, 1)
    # Another key of the same integrator has its own quota.
    _other, other_raw = services.create_api_key(
        partner=partner, name="lain", scopes=ALL_SCOPES, region_prefixes=["35.77"], per_minute=3, per_day=100
    )
    with override_settings(REDIS_URL=redis_url):
        assert api(other_raw).get("/api/v1/data/indicators/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("redis_url", BACKENDS)
def test_day_quota_and_window_rollover(redis_url: str | None, partner: Partner) -> None:
    api_key, _raw = services.create_api_key(
        partner=partner, name="harian", scopes=ALL_SCOPES, region_prefixes=["35.77"], per_minute=2, per_day=3
    )
    start = timezone.make_aware(datetime.datetime(2026, 3, 10, 9, 15, 30))
    with override_settings(REDIS_URL=redis_url):
        assert [quota.consume(api_key, start).allowed for _ in range(3)] == [True, True, False]
        refused = quota.consume(api_key, start)
        assert (refused.period, refused.retry_after) == ("minute", 30)
        next_minute = start + datetime.timedelta(minutes=1)
        assert quota.consume(api_key, next_minute).allowed
        day_full = quota.consume(api_key, next_minute + datetime.timedelta(minutes=1))
        assert not day_full.allowed and day_full.period == "day"
        # 09:17:30 local to midnight.
        assert day_full.retry_after == (24 * 3600) - (9 * 3600 + 17 * 60 + 30)
        assert quota.consume(api_key, start + datetime.timedelta(days=1)).allowed
    if redis_url is None:
        # Past windows are cleaned up as new ones open.
        assert QuotaWindow.objects.filter(api_key=api_key).count() == 2


@pytest.fixture
def committed_key(committed: None) -> Iterator[ApiKey]:
    partner = services.ensure_partner(name="Uji Serentak")
    api_key, _raw = services.create_api_key(
        partner=partner, name="serentak", scopes=ALL_SCOPES, region_prefixes=["35.77"], per_minute=7, per_day=1000
    )
    yield api_key
    partner.delete()


@pytest.mark.parametrize("redis_url", BACKENDS)
def test_concurrent_requests_never_exceed_the_quota(redis_url: str | None, committed_key: ApiKey) -> None:
    now = timezone.now()
    results: list[bool] = []
    lock = threading.Lock()
    barrier = threading.Barrier(16)

    def hit() -> None:
        try:
            barrier.wait()
            for _ in range(2):
                allowed = quota.consume(committed_key, now).allowed
                with lock:
                    results.append(allowed)
        finally:
            connections.close_all()

    with override_settings(REDIS_URL=redis_url):
        threads = [threading.Thread(target=hit) for _ in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert len(results) == 32
    assert results.count(True) == 7


@pytest.mark.redis
@pytest.mark.skipif(not REDIS, reason=NO_REDIS)
def test_concurrent_http_requests_meter_every_request(committed_key: ApiKey, tenants: object) -> None:
    ApiKey.objects.filter(pk=committed_key.pk).update(per_minute=5)
    raw_key = "kkd_" + "concurrent-http-test-key-0001"
    ApiKey.objects.filter(pk=committed_key.pk).update(
        prefix=api_keys.prefix_of(raw_key), key_hash=api_keys.digest(raw_key)
    )
    codes: list[int] = []
    lock = threading.Lock()

    def call() -> None:
        try:
            code = client_for(None, HTTP_X_API_KEY=raw_key).get("/api/v1/data/indicators/").status_code
            with lock:
                codes.append(code)
        finally:
            connections.close_all()

    with override_settings(REDIS_URL=REDIS):
        threads = [threading.Thread(target=call) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert sorted(codes) == [200] * 5 + [429] * 3
    usage = UsageDay.objects.get(api_key=committed_key)
    assert (usage.requests, usage.throttled) == (5, 3)
