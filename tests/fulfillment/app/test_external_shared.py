"""The external-courier sandbox keeps its state in Django's cache (Redis when REDIS_URL is set):
a booking made by one process (a Celery worker) is quoted, tracked and cancelled by any other
(the web process, another worker, the same one after a restart), idempotency holds across them,
and each tenant has its own sandbox."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from django.core.cache import caches

from apps.core.db import connection
from apps.fulfillment import external, services
from apps.fulfillment.external import CacheSandboxStore
from apps.fulfillment.models import Delivery
from apps.fulfillment.services import dispatch
from apps.fulfillment.solver import Point
from apps.fulfillment.solver.couriers import (
    Booking,
    CannotCancel,
    CourierStatus,
    CourierUnavailable,
    IdempotencyConflict,
    JSONDict,
    MemorySandboxStore,
    QuoteExpired,
    QuoteRequest,
    SandboxCourierGateway,
    SandboxStore,
    ServiceArea,
    UnknownBooking,
    UnknownQuote,
)
from apps.tenancy.models import Tenant

from .conftest import BUYER_POINT, HUB_POINT, SHOP_POINT, World, new_delivery

pytestmark = [pytest.mark.django_db, pytest.mark.redis]  # runs on Django's cache: Redis in CI's Redis step

AREA = ServiceArea.circle(Point(*HUB_POINT), 15_000)  # Mojorejo and Pandean both inside
SHOP = Point(*SHOP_POINT)
HOME = Point(*BUYER_POINT)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def namespace(monkeypatch: pytest.MonkeyPatch) -> str:
    """A sandbox of this test's own in the shared cache (other runs use the same Redis), and no
    gateway cached in this process from an earlier test."""
    name = f"test-courier-sandbox-{uuid.uuid4().hex}"
    monkeypatch.setattr(external, "NAMESPACE", name)
    monkeypatch.setattr(external, "TIMEOUT_S", 3600)
    monkeypatch.setattr(dispatch, "_GATEWAYS", {})
    return name


def process(clock: Clock, **config: Any) -> SandboxCourierGateway:
    """A gateway as another process builds it: it shares nothing with the others but the cache."""
    return SandboxCourierGateway(area=AREA, clock=clock, store=CacheSandboxStore(), **config)


def test_the_apps_gateway_keeps_the_sandbox_in_the_cache(in_a: Tenant, namespace: str) -> None:
    api = services.gateway()
    assert isinstance(api, SandboxCourierGateway) and isinstance(api.store, CacheSandboxStore)
    key = f"antar-{uuid.uuid4().hex}"
    quote = api.quote(QuoteRequest(SHOP, HOME, reference="ABC"))
    booking = api.book(quote.id, idempotency_key=key)
    assert caches["state"].get(f"{namespace}:booking:{booking.id}") is not None  # in Django's cache, tenant-scoped

    dispatch._GATEWAYS.clear()  # the process restarted (or this is another one)
    fresh = services.gateway()
    assert fresh is not api
    assert fresh.track(booking.id).status is CourierStatus.ALLOCATING
    assert fresh.book(quote.id, idempotency_key=key).id == booking.id
    assert fresh.cancel(booking.id, reason="toko tutup").status is CourierStatus.CANCELLED
    assert api.track(booking.id).status is CourierStatus.CANCELLED


def test_quote_book_track_and_cancel_through_different_processes(in_a: Tenant, namespace: str) -> None:
    clock = Clock()
    quote = process(clock).quote(QuoteRequest(SHOP, HOME, weight=3, reference="ABC"))
    booking = process(clock).book(quote.id, idempotency_key="antar-1")
    assert booking.price == quote.price and booking.status is CourierStatus.ALLOCATING

    clock.now += 120  # the default allocation time: a driver is on the way to the shop
    track = process(clock).track(booking.id)
    assert track.status is CourierStatus.PICKING_UP and track.position == SHOP
    assert process(clock).book(quote.id, idempotency_key="antar-1").driver is not None

    cancelled = process(clock).cancel(booking.id, reason="pembeli batal")
    assert cancelled.status is CourierStatus.CANCELLED and cancelled.cancel_reason == "pembeli batal"
    clock.now += 10_000
    elsewhere = process(clock)
    assert elsewhere.track(booking.id).status is CourierStatus.CANCELLED
    assert [s for s, _ in elsewhere.track(booking.id).history][-1] is CourierStatus.CANCELLED
    again = elsewhere.cancel(booking.id, reason="lagi")  # idempotent: the first cancellation stands
    assert again.status is CourierStatus.CANCELLED and again.cancel_reason == "pembeli batal"

    late_quote = process(clock).quote(QuoteRequest(SHOP, HOME))
    late = process(clock).book(late_quote.id, idempotency_key="antar-2")
    clock.now += late_quote.pickup_eta_s + 1
    with pytest.raises(CannotCancel, match="in_transit"):
        process(clock).cancel(late.id)
    with pytest.raises(UnknownBooking):
        process(clock).track("SBX-B-999999")


def test_one_idempotency_key_books_once_across_processes(in_a: Tenant, namespace: str) -> None:
    clock = Clock()
    quote = process(clock).quote(QuoteRequest(SHOP, HOME))
    first = process(clock).book(quote.id, idempotency_key="antar-X")
    second = process(clock).book(quote.id, idempotency_key="antar-X")
    assert second.id == first.id
    other = process(clock).quote(QuoteRequest(SHOP, HOME))
    with pytest.raises(IdempotencyConflict):
        process(clock).book(other.id, idempotency_key="antar-X")
    assert process(clock).book(other.id, idempotency_key="antar-Y").id != first.id
    with pytest.raises(UnknownQuote):
        process(clock).book("SBX-Q-999999", idempotency_key="antar-Z")
    stale = process(clock).quote(QuoteRequest(SHOP, HOME))
    clock.now += 301
    with pytest.raises(QuoteExpired):
        process(clock).book(stale.id, idempotency_key="antar-Z")


class RaceAtTheClaim:
    """A store that holds every idempotency-key claim until all `parties` callers have reached
    it: each has checked the key (free), read the quote and written its own booking, so the
    claims really race."""

    def __init__(self, inner: SandboxStore, parties: int) -> None:
        self.inner = inner
        self.barrier = threading.Barrier(parties, timeout=10)
        self.written: list[str] = []
        self._lock = threading.Lock()

    def get(self, key: str) -> JSONDict | None:
        return self.inner.get(key)

    def set(self, key: str, value: JSONDict) -> None:
        if key.startswith("booking:"):
            with self._lock:
                self.written.append(key.removeprefix("booking:"))
        self.inner.set(key, value)

    def add(self, key: str, value: JSONDict) -> bool:
        if key.startswith("key:"):
            self.barrier.wait()
        return self.inner.add(key, value)

    def delete(self, key: str) -> None:
        self.inner.delete(key)

    def incr(self, key: str) -> int:
        return self.inner.incr(key)


def _race(tenant: Tenant | None, store: SandboxStore, clock: Clock, quote_id: str, parties: int) -> list[Booking]:
    def book(_: int) -> Booking:
        if tenant is not None:
            connection.set_tenant(tenant)  # this thread's own connection, like a worker in the tenant
        api = SandboxCourierGateway(area=AREA, clock=clock, store=store)
        return api.book(quote_id, idempotency_key="antar-race")

    with ThreadPoolExecutor(max_workers=parties) as pool:
        return list(pool.map(book, range(parties)))


def test_concurrent_bookings_with_one_key_make_one_booking(in_a: Tenant, namespace: str) -> None:
    clock = Clock()
    quote = process(clock).quote(QuoteRequest(SHOP, HOME))
    racing = RaceAtTheClaim(CacheSandboxStore(), parties=4)
    bookings = _race(in_a, racing, clock, quote.id, parties=4)
    assert len({b.id for b in bookings}) == 1  # everyone got the same booking
    assert len(set(racing.written)) == 4  # ... though all four wrote one before claiming the key
    assert [b for b in racing.written if _known(process(clock), b)] == [bookings[0].id]  # the losers' are gone


def _known(api: SandboxCourierGateway, booking_id: str) -> bool:
    try:
        api.track(booking_id)
    except UnknownBooking:
        return False
    return True


def test_the_in_memory_store_is_as_atomic() -> None:
    clock = Clock()
    store = MemorySandboxStore()
    quote = SandboxCourierGateway(area=AREA, clock=clock, store=store).quote(QuoteRequest(SHOP, HOME))
    racing = RaceAtTheClaim(store, parties=4)
    bookings = _race(None, racing, clock, quote.id, parties=4)
    assert len({b.id for b in bookings}) == 1
    assert store.keys("booking:") == [f"booking:{bookings[0].id}"]
    assert store.keys("key:") == ["key:antar-race"]


def test_sandbox_state_is_per_tenant(tenant_a: Tenant, tenant_b: Tenant, namespace: str) -> None:
    clock = Clock()
    with tenant_a:
        quote_a = process(clock).quote(QuoteRequest(SHOP, HOME, reference="A"))
        booking_a = process(clock).book(quote_a.id, idempotency_key="antar-shared-key")
    with tenant_b:
        api = process(clock)
        with pytest.raises(UnknownBooking):
            api.track(booking_a.id)
        with pytest.raises(UnknownBooking):
            api.cancel(booking_a.id)
        with pytest.raises(UnknownQuote):
            api.book(quote_a.id, idempotency_key="antar-other")
        quote_b = api.quote(QuoteRequest(HOME, SHOP, reference="B"))
        booking_b = api.book(quote_b.id, idempotency_key="antar-shared-key")  # the key is A's, not B's
        assert booking_b.quote_id == quote_b.id
        api.cancel(booking_b.id)
    with tenant_a:
        again = process(clock)
        assert again.track(booking_a.id).status is CourierStatus.ALLOCATING  # B's cancel did not touch A
        assert again.book(quote_a.id, idempotency_key="antar-shared-key").id == booking_a.id


def test_a_booking_made_by_the_worker_is_followed_and_cancelled_from_the_web(world: World, namespace: str) -> None:
    clock = Clock()
    heavy = new_delivery(world, weight_kg=40)  # too heavy for the hub's motor: goes external
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk, gateway=process(clock, max_weight=50))  # in the worker
    heavy.refresh_from_db()
    assert heavy.status == Delivery.Status.ASSIGNED and heavy.external_booking.startswith("SBX-B-")
    booking_id = heavy.external_booking

    # The routing job runs again (a retried task, another worker): no second booking.
    services.run_routing_job(job.pk, gateway=process(clock, max_weight=50))
    heavy.refresh_from_db()
    assert heavy.external_booking == booking_id

    assert services.sync_external(process(clock)) == 0  # the beat worker: still allocating
    services.cancel_delivery(heavy, actor=world.sri, reason="pembeli batal", api=process(clock))  # the web
    assert process(clock).track(booking_id).status is CourierStatus.CANCELLED


def test_external_booking_is_delivered_as_seen_by_another_process(world: World, namespace: str) -> None:
    clock = Clock()
    heavy = new_delivery(world, weight_kg=40)
    job = services.batch_now(world.hub, actor=world.operator)
    assert job is not None
    services.run_routing_job(job.pk, gateway=process(clock, max_weight=50))
    clock.now += 60 * 60  # an hour later the courier has delivered it
    assert services.sync_external(process(clock)) == 1
    heavy.refresh_from_db()
    assert heavy.status == Delivery.Status.DELIVERED and heavy.proof_kind == "external"


def test_an_unreachable_store_is_a_transient_courier_error(in_a: Tenant, monkeypatch: pytest.MonkeyPatch) -> None:
    store = CacheSandboxStore(namespace=f"test-{uuid.uuid4().hex}")

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionRefusedError("connection refused")

    monkeypatch.setattr(caches["state"], "get", down)
    with pytest.raises(CourierUnavailable):
        SandboxCourierGateway(area=AREA, store=store).track("SBX-B-000001")


def test_long_or_odd_keys_are_stored_safely(in_a: Tenant, namespace: str) -> None:
    store = CacheSandboxStore()
    odd = "key:antar " + "x" * 300 + " ü"
    assert store.add(odd, {"booking": "B1", "quote": "Q1"})
    assert not store.add(odd, {"booking": "B2", "quote": "Q2"})
    assert store.get(odd) == {"booking": "B1", "quote": "Q1"}
    assert store.incr("counter") == 1 and store.incr("counter") == 2
    store.delete(odd)
    assert store.get(odd) is None
