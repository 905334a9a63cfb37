"""Redis down never fails a committed write, and pages that read the cache still serve.

A private redis-server is started and then killed (tests/ops/conftest.py): the Celery broker
and the default cache point at a port where nothing answers any more."""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from django.core.cache import caches
from django.db import transaction
from django.test import Client, override_settings
from kombu.exceptions import OperationalError as KombuOperationalError

from apps.accounts.models import User
from apps.core.tasks import enqueue_on_commit, publish
from apps.marketplace import services as market_services
from apps.marketplace.lifecycle import Status
from apps.marketplace.models import Order
from apps.notifications.models import Message
from apps.notifications.tasks import deliver_due, deliver_message
from apps.payments import services as payments
from tests.conftest import PASSWORD, TenantSet, client_for
from tests.marketplace.conftest import Market, make_market, signed_in, wipe_marketplace
from tests.ops.conftest import RedisServer, celery_broker

KEYS = {"KEY_FUNCTION": "django_tenants.cache.make_key", "REVERSE_KEY_FUNCTION": "django_tenants.cache.reverse_key"}


def redis_caches(url: str) -> dict[str, dict[str, str]]:
    return {
        "default": {"BACKEND": "apps.core.cache.DegradingRedisCache", "LOCATION": url, **KEYS},
        "state": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, **KEYS},
    }


def test_publish_reaches_the_routed_queue_when_redis_is_up(redis_server: RedisServer) -> None:
    with celery_broker(redis_server.url):
        assert publish(deliver_message, 12345) is True
    queued = redis.Redis.from_url(redis_server.url).lrange("default", 0, -1)
    assert len(queued) == 1
    assert json.loads(queued[0])["headers"]["task"] == "notifications.deliver_message"


def test_publish_and_enqueue_on_commit_log_instead_of_raising_when_redis_is_down(
    redis_server: RedisServer,
    caplog: pytest.LogCaptureFixture,
    db: None,
    django_capture_on_commit_callbacks: Any,
) -> None:
    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="apps.core.tasks")
    with celery_broker(redis_server.url):
        assert publish(deliver_message, 1) is False
        with pytest.raises(KombuOperationalError):  # what the call sites used to let escape
            deliver_message.delay(1)
        # on_commit callbacks run at the outermost commit; a raising one used to escape there
        with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
            enqueue_on_commit(deliver_message, 2)
        assert len(callbacks) == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "apps.core.tasks"]
    assert any("notifications.deliver_message args=(1,)" in m for m in messages)
    assert any("notifications.deliver_message args=(2,)" in m for m in messages)


@pytest.fixture
def committed_market(tenants: TenantSet, committed: None) -> Iterator[Market]:
    prefix = f"ops{uuid.uuid4().hex[:6]}-"
    with tenants.a:
        market = make_market(tenants.a, prefix=prefix)
        market.sri.email = "sri@example.id"  # an e-mail notification is queued after commit
        market.sri.save(update_fields=["email"])
    try:
        yield market
    finally:
        wipe_marketplace(tenants.a, [u.username for u in (market.sri, market.yati, market.joko, market.andi)])


def test_a_paid_order_answers_success_and_is_committed_with_redis_down(
    tenants: TenantSet, committed_market: Market, redis_server: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    market = committed_market
    with tenants.a:
        payments.top_up(payments.ensure_wallet(market.joko), 50_000, reference="test", idempotency_key=uuid.uuid4().hex)
        order = market_services.place_orders(
            market.joko, [(market.keripik.pk, 1)], idempotency_key=uuid.uuid4().hex
        ).orders[0]
    buyer = signed_in(tenants.a, market.joko)
    redis_server.stop()
    caplog.set_level(logging.WARNING, logger="apps.core.tasks")

    with celery_broker(redis_server.url), override_settings(CACHES=redis_caches(redis_server.url)):
        response = buyer.post(
            f"/pasar/pesanan/{order.public_id}/bayar/", {"method": "wallet", "idempotency_key": uuid.uuid4().hex}
        )

    assert response.status_code == 302, response.content[:500]
    with tenants.a:
        paid = Order.objects.get(pk=order.pk)  # committed: the test holds no transaction
        assert paid.status == Status.PAID and paid.payment_method == "wallet"
        # the e-mail to the seller is stored and waits for the every-minute delivery sweep
        waiting = Message.objects.filter(recipient=market.sri, event="marketplace.order_paid", channel="email")
        assert waiting.filter(status=Message.Status.PENDING).exists()
    assert any("notifications.deliver_message" in r.getMessage() for r in caplog.records if r.name == "apps.core.tasks")

    # Redis is back: the every-minute sweep (beat → sweeps queue → this task) sends what waited.
    redis_server.start()
    with celery_broker(redis_server.url), tenants.a:
        assert deliver_due() >= 1
        assert waiting.get().status == Message.Status.SENT


def test_the_dashboard_serves_when_the_cache_is_down(
    tenants: TenantSet, redis_server: RedisServer, caplog: pytest.LogCaptureFixture, db: None
) -> None:
    client = client_for(tenants.a)
    with tenants.a:
        client.force_login(User.objects.get(username="admin"))
    with override_settings(CACHES=redis_caches(redis_server.url)):
        assert client.get("/dasbor/").status_code == 200  # fills the cache
        assert redis.Redis.from_url(redis_server.url).dbsize() > 0
        redis_server.stop()
        caplog.set_level(logging.DEBUG, logger="apps.core.cache")
        response = client.get("/dasbor/")
        assert response.status_code == 200
        assert any("degraded to a miss" in r.getMessage() for r in caplog.records)
        # the strict alias still raises: state must never silently read as absent
        with pytest.raises(redis.exceptions.ConnectionError):
            caches["state"].get("anything")
        with pytest.raises(redis.exceptions.ConnectionError):  # counters have no honest miss
            caches["default"].incr("counter")


def test_the_login_lockout_does_not_use_the_cache(tenants: TenantSet, redis_server: RedisServer, db: None) -> None:
    """Throttling that protects accounts must not fail open with Redis: axes counts in the DB."""
    redis_server.stop()
    with override_settings(CACHES=redis_caches(redis_server.url)):
        client = client_for(tenants.a)
        for _ in range(5):
            client.post("/akun/masuk/", {"username": "admin", "password": "salah"})
        locked = client.post("/akun/masuk/", {"username": "admin", "password": PASSWORD})
    assert locked.status_code == 429


def test_the_paid_data_quota_fails_closed_with_503_when_redis_is_down(
    redis_server: RedisServer, tenants: TenantSet, db: None
) -> None:
    """The Data-as-a-Service quota is a paid limit: with Redis down it refuses (503, Retry-After)
    rather than letting every request through; with Redis up the same key is served."""
    from apps.dataservice import services as dataservice
    from tests.dataservice.conftest import ALL_SCOPES

    partner = dataservice.ensure_partner(name="Bappeda Ops", contact_email="ops@uji.id")
    _key, raw = dataservice.create_api_key(
        partner=partner, name="ops", scopes=ALL_SCOPES, region_prefixes=["35.77"], per_minute=100, per_day=1000
    )
    client = Client(HTTP_HOST="localhost", HTTP_X_API_KEY=raw, raise_request_exception=False)
    with override_settings(REDIS_URL=redis_server.url, CACHES=redis_caches(redis_server.url)):
        assert client.get("/api/v1/data/indicators/").status_code == 200
        redis_server.stop()
        refused = client.get("/api/v1/data/indicators/")
    assert refused.status_code == 503
    assert refused["Retry-After"] == "30"
    assert refused.json()["error"]["code"] == "service_unavailable"
