"""The external-courier sandbox behaves like a remote delivery API."""

from __future__ import annotations

import json
import math

import pytest

from apps.fulfillment.solver import Point
from apps.fulfillment.solver.couriers import (
    CannotCancel,
    CourierError,
    CourierGateway,
    CourierStatus,
    CourierUnavailable,
    IdempotencyConflict,
    OutOfServiceArea,
    QuoteExpired,
    QuoteRequest,
    SandboxCourierGateway,
    ServiceArea,
    TooHeavy,
    UnknownBooking,
    UnknownQuote,
)
from apps.fulfillment.solver.geo import haversine_m, polygons_of

from .factories import MADIUN

SHOP = Point(-7.6298, 111.5239)  # Kartoharjo area
HOME = Point(-7.6401, 111.5102)
SURABAYA = Point(-7.2458, 112.7378)


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def gateway(clock: Clock) -> SandboxCourierGateway:
    return SandboxCourierGateway(area=ServiceArea.circle(SHOP, 15_000), clock=clock)


def test_sandbox_satisfies_the_gateway_protocol(gateway: SandboxCourierGateway) -> None:
    api: CourierGateway = gateway
    assert api.quote(QuoteRequest(SHOP, HOME)).price > 0


def test_price_grows_with_distance_and_is_rounded(gateway: SandboxCourierGateway) -> None:
    near = gateway.quote(QuoteRequest(SHOP, Point(-7.6305, 111.5245)))
    far = gateway.quote(QuoteRequest(SHOP, HOME))
    assert near.price == gateway.min_fare  # a few hundred metres: the minimum fare
    assert far.price > near.price
    assert far.price % 500 == 0
    expected_distance = round(haversine_m(SHOP, HOME) * 1.3)
    assert far.distance_m == expected_distance
    raw = 8_000 + math.ceil(2_500 * expected_distance / 1000)
    assert far.price == max(10_000, math.ceil(raw / 500) * 500)
    assert far.delivery_eta_s > far.pickup_eta_s > 0
    assert near.id != far.id


def test_out_of_area_and_too_heavy(gateway: SandboxCourierGateway) -> None:
    with pytest.raises(OutOfServiceArea, match="drop-off"):
        gateway.quote(QuoteRequest(SHOP, SURABAYA))
    with pytest.raises(OutOfServiceArea, match="pickup"):
        gateway.quote(QuoteRequest(SURABAYA, SHOP))
    with pytest.raises(TooHeavy, match="exceeds"):
        gateway.quote(QuoteRequest(SHOP, HOME, weight=50))
    assert issubclass(OutOfServiceArea, CourierError)
    assert OutOfServiceArea.code == "out_of_service_area"


def test_polygon_service_area_with_real_kelurahan(clock: Clock) -> None:
    with open(MADIUN, encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    polygons = [poly for f in features for poly in polygons_of(f["geometry"])]
    api = SandboxCourierGateway(area=ServiceArea.of_polygons(polygons), clock=clock)
    inside = Point(features[0]["properties"]["lat"], features[0]["properties"]["lng"])
    assert api.quote(QuoteRequest(inside, SHOP)).price > 0
    with pytest.raises(OutOfServiceArea):
        api.quote(QuoteRequest(inside, SURABAYA))


def test_booking_is_idempotent_by_key(gateway: SandboxCourierGateway) -> None:
    quote = gateway.quote(QuoteRequest(SHOP, HOME, reference="order-17"))
    first = gateway.book(quote.id, idempotency_key="order-17")
    again = gateway.book(quote.id, idempotency_key="order-17")
    assert again.id == first.id
    assert again.price == quote.price
    other = gateway.quote(QuoteRequest(SHOP, HOME))
    with pytest.raises(IdempotencyConflict):
        gateway.book(other.id, idempotency_key="order-17")
    assert gateway.book(other.id, idempotency_key="order-18").id != first.id


def test_retry_after_a_transient_failure_books_once(gateway: SandboxCourierGateway) -> None:
    quote = gateway.quote(QuoteRequest(SHOP, HOME))
    gateway.fail_next(1)
    with pytest.raises(CourierUnavailable):
        gateway.book(quote.id, idempotency_key="k1")
    booking = gateway.book(quote.id, idempotency_key="k1")
    assert gateway.book(quote.id, idempotency_key="k1").id == booking.id


def test_unknown_and_expired_quotes(gateway: SandboxCourierGateway, clock: Clock) -> None:
    with pytest.raises(UnknownQuote):
        gateway.book("SBX-Q-999999", idempotency_key="x")
    quote = gateway.quote(QuoteRequest(SHOP, HOME))
    clock.now += gateway.quote_ttl_s + 1
    with pytest.raises(QuoteExpired):
        gateway.book(quote.id, idempotency_key="late")
    with pytest.raises(UnknownBooking):
        gateway.track("SBX-B-000000")


def test_status_progresses_with_time(gateway: SandboxCourierGateway, clock: Clock) -> None:
    quote = gateway.quote(QuoteRequest(SHOP, HOME))
    booking = gateway.book(quote.id, idempotency_key="k")
    t0 = clock.now
    track = gateway.track(booking.id)
    assert track.status is CourierStatus.ALLOCATING
    assert track.position is None
    clock.now = t0 + gateway.allocation_s
    track = gateway.track(booking.id)
    assert track.status is CourierStatus.PICKING_UP
    assert gateway.book(quote.id, idempotency_key="k").driver is not None
    clock.now = t0 + (quote.pickup_eta_s + quote.delivery_eta_s) / 2
    track = gateway.track(booking.id)
    assert track.status is CourierStatus.IN_TRANSIT
    assert track.position is not None
    assert min(SHOP.lat, HOME.lat) <= track.position.lat <= max(SHOP.lat, HOME.lat)
    clock.now = t0 + quote.delivery_eta_s
    track = gateway.track(booking.id)
    assert track.status is CourierStatus.DELIVERED
    assert track.position == HOME
    assert [s for s, _ in track.history] == [
        CourierStatus.ALLOCATING,
        CourierStatus.PICKING_UP,
        CourierStatus.IN_TRANSIT,
        CourierStatus.DELIVERED,
    ]
    assert [t for _, t in track.history] == sorted(t for _, t in track.history)


def test_cancel_before_pickup_only(gateway: SandboxCourierGateway, clock: Clock) -> None:
    early = gateway.book(gateway.quote(QuoteRequest(SHOP, HOME)).id, idempotency_key="a")
    cancelled = gateway.cancel(early.id, reason="customer changed mind")
    assert cancelled.status is CourierStatus.CANCELLED
    assert gateway.cancel(early.id).status is CourierStatus.CANCELLED  # idempotent
    clock.now += 10_000
    assert gateway.track(early.id).status is CourierStatus.CANCELLED  # stays cancelled

    quote = gateway.quote(QuoteRequest(SHOP, HOME))
    late = gateway.book(quote.id, idempotency_key="b")
    clock.now += quote.pickup_eta_s + 1
    with pytest.raises(CannotCancel, match="in_transit"):
        gateway.cancel(late.id)
