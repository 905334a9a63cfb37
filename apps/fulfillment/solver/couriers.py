"""External courier adapter (ride-hailing style delivery APIs) and a sandbox that behaves like one.

`CourierGateway` is what dispatch code talks to when an order goes to a third-party courier
(GoSend / GrabExpress / Lalamove style): `quote` → `book` (idempotent by key) → `track` →
optionally `cancel`. Real adapters wrap HTTP APIs; `SandboxCourierGateway` is in-memory and
deterministic (injected clock), for development, demos and tests:

* price from distance: base fare + per-km rate over the haversine distance × detour, rounded up
  to Rp 500, never below the minimum fare; a quote is valid for `quote_ttl_s`;
* service area: polygons (GeoJSON rings) or a circle; pickups or drop-offs outside →
  `OutOfServiceArea`; parcels over `max_weight` → `TooHeavy`;
* `book(quote_id, idempotency_key=...)`: the same key with the same quote returns the same
  booking (no double booking on retries); the same key with another quote → `IdempotencyConflict`;
* status moves with time: allocating → picking_up → in_transit → delivered (a driver is
  assigned after `allocation_s`; travel at `speed_kmh`); `track` reports the status, a position
  and the history;
* `cancel` is allowed until the parcel is picked up (idempotent); afterwards `CannotCancel`;
* `fail_next(n)` makes the next n calls raise `CourierUnavailable`, like a flaky remote API.

Money is integer rupiah. Times are seconds from the injected clock (`time.time` by default).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from .geo import Polygon, haversine_m, in_any
from .model import Point


class CourierError(Exception):
    """Base class of errors an external courier API reports. `code` is stable for the UI."""

    code = "courier_error"


class OutOfServiceArea(CourierError):
    code = "out_of_service_area"


class TooHeavy(CourierError):
    code = "too_heavy"


class UnknownQuote(CourierError):
    code = "unknown_quote"


class QuoteExpired(CourierError):
    code = "quote_expired"


class UnknownBooking(CourierError):
    code = "unknown_booking"


class IdempotencyConflict(CourierError):
    code = "idempotency_conflict"


class CannotCancel(CourierError):
    code = "cannot_cancel"


class CourierUnavailable(CourierError):
    """Transient: the remote side is down or rate-limiting; safe to retry (booking with the same key)."""

    code = "unavailable"


class CourierStatus(StrEnum):
    ALLOCATING = "allocating"
    PICKING_UP = "picking_up"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class QuoteRequest:
    pickup: Point
    dropoff: Point
    weight: int = 1  # kg
    reference: str = ""  # our order id, echoed back


@dataclass(frozen=True, slots=True)
class Quote:
    id: str
    request: QuoteRequest
    price: int  # rupiah
    distance_m: int
    pickup_eta_s: int  # from booking
    delivery_eta_s: int  # from booking
    expires_at: float


@dataclass(frozen=True, slots=True)
class Booking:
    id: str
    quote_id: str
    idempotency_key: str
    price: int
    status: CourierStatus
    created_at: float
    driver: str | None = None
    cancel_reason: str = ""


@dataclass(frozen=True, slots=True)
class Tracking:
    booking_id: str
    status: CourierStatus
    position: Point | None
    updated_at: float
    history: tuple[tuple[CourierStatus, float], ...]


class CourierGateway(Protocol):
    def quote(self, request: QuoteRequest) -> Quote: ...

    def book(self, quote_id: str, *, idempotency_key: str) -> Booking: ...

    def track(self, booking_id: str) -> Tracking: ...

    def cancel(self, booking_id: str, *, reason: str = "") -> Booking: ...


@dataclass(frozen=True)
class ServiceArea:
    polygons: tuple[Polygon, ...] = ()
    center: Point | None = None
    radius_m: float = 0.0

    @classmethod
    def circle(cls, center: Point, radius_m: float) -> ServiceArea:
        return cls(center=center, radius_m=radius_m)

    @classmethod
    def of_polygons(cls, polygons: Sequence[Polygon]) -> ServiceArea:
        return cls(polygons=tuple(polygons))

    def contains(self, point: Point) -> bool:
        if self.polygons and in_any(point, self.polygons):
            return True
        return self.center is not None and haversine_m(self.center, point) <= self.radius_m


@dataclass
class _BookingState:
    booking: Booking
    quote: Quote
    cancelled_at: float | None = None


@dataclass
class SandboxCourierGateway:
    area: ServiceArea
    base_fare: int = 8_000
    per_km: int = 2_500
    min_fare: int = 10_000
    round_to: int = 500
    detour: float = 1.3
    max_weight: int = 20
    speed_kmh: float = 20.0
    allocation_s: int = 120
    quote_ttl_s: int = 300
    clock: Callable[[], float] = time.time
    prefix: str = "SBX"
    _quotes: dict[str, Quote] = field(default_factory=dict)
    _bookings: dict[str, _BookingState] = field(default_factory=dict)
    _by_key: dict[str, str] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _failures: int = 0

    # -- behaving like a remote API

    def fail_next(self, calls: int = 1) -> None:
        self._failures = calls

    def _remote_call(self) -> None:
        if self._failures > 0:
            self._failures -= 1
            raise CourierUnavailable("courier API unavailable (503), retry later")

    def _next_id(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-{next(self._seq):06d}"

    # -- API

    def price_for(self, distance_m: int) -> int:
        raw = self.base_fare + math.ceil(self.per_km * distance_m / 1000)
        return max(self.min_fare, math.ceil(raw / self.round_to) * self.round_to)

    def quote(self, request: QuoteRequest) -> Quote:
        self._remote_call()
        for label, point in (("pickup", request.pickup), ("drop-off", request.dropoff)):
            if not self.area.contains(point):
                raise OutOfServiceArea(f"{label} ({point.lat:.5f}, {point.lng:.5f}) is outside the service area")
        if request.weight <= 0:
            raise TooHeavy(f"weight must be positive, got {request.weight}")
        if request.weight > self.max_weight:
            raise TooHeavy(f"{request.weight} kg exceeds the {self.max_weight} kg limit")
        distance = round(haversine_m(request.pickup, request.dropoff) * self.detour)
        pickup_eta = self.allocation_s + 300  # a driver nearby: allocation + ~5 minutes to the shop
        ride = math.ceil(distance * 3.6 / self.speed_kmh)
        quote = Quote(
            id=self._next_id("Q"),
            request=request,
            price=self.price_for(distance),
            distance_m=distance,
            pickup_eta_s=pickup_eta,
            delivery_eta_s=pickup_eta + ride,
            expires_at=self.clock() + self.quote_ttl_s,
        )
        self._quotes[quote.id] = quote
        return quote

    def book(self, quote_id: str, *, idempotency_key: str) -> Booking:
        self._remote_call()
        if not idempotency_key:
            raise IdempotencyConflict("an idempotency key is required")
        existing = self._by_key.get(idempotency_key)
        if existing is not None:
            state = self._bookings[existing]
            if state.quote.id != quote_id:
                raise IdempotencyConflict(
                    f"key {idempotency_key!r} was used for quote {state.quote.id}, not {quote_id}"
                )
            return self._current(state)
        quote = self._quotes.get(quote_id)
        if quote is None:
            raise UnknownQuote(f"no quote {quote_id!r}")
        if self.clock() > quote.expires_at:
            raise QuoteExpired(f"quote {quote_id} expired; ask for a new one")
        booking = Booking(
            id=self._next_id("B"),
            quote_id=quote.id,
            idempotency_key=idempotency_key,
            price=quote.price,
            status=CourierStatus.ALLOCATING,
            created_at=self.clock(),
        )
        self._bookings[booking.id] = _BookingState(booking, quote)
        self._by_key[idempotency_key] = booking.id
        return booking

    def track(self, booking_id: str) -> Tracking:
        self._remote_call()
        state = self._state(booking_id)
        booking = self._current(state)
        history = self._history(state)
        return Tracking(
            booking_id=booking.id,
            status=booking.status,
            position=self._position(state, booking.status),
            updated_at=history[-1][1],
            history=history,
        )

    def cancel(self, booking_id: str, *, reason: str = "") -> Booking:
        self._remote_call()
        state = self._state(booking_id)
        booking = self._current(state)
        if booking.status is CourierStatus.CANCELLED:
            return booking
        if booking.status not in (CourierStatus.ALLOCATING, CourierStatus.PICKING_UP):
            raise CannotCancel(f"booking {booking_id} is {booking.status.value}; it can no longer be cancelled")
        state.cancelled_at = self.clock()
        state.booking = Booking(
            id=booking.id,
            quote_id=booking.quote_id,
            idempotency_key=booking.idempotency_key,
            price=booking.price,
            status=CourierStatus.CANCELLED,
            created_at=booking.created_at,
            driver=booking.driver,
            cancel_reason=reason,
        )
        return state.booking

    # -- simulation

    def _state(self, booking_id: str) -> _BookingState:
        state = self._bookings.get(booking_id)
        if state is None:
            raise UnknownBooking(f"no booking {booking_id!r}")
        return state

    def _milestones(self, state: _BookingState) -> list[tuple[CourierStatus, float]]:
        t0 = state.booking.created_at
        q = state.quote
        return [
            (CourierStatus.ALLOCATING, t0),
            (CourierStatus.PICKING_UP, t0 + self.allocation_s),
            (CourierStatus.IN_TRANSIT, t0 + q.pickup_eta_s),
            (CourierStatus.DELIVERED, t0 + q.delivery_eta_s),
        ]

    def _history(self, state: _BookingState) -> tuple[tuple[CourierStatus, float], ...]:
        now = self.clock()
        limit = state.cancelled_at if state.cancelled_at is not None else now
        steps = [(s, t) for s, t in self._milestones(state) if t <= limit]
        if state.cancelled_at is not None:
            steps.append((CourierStatus.CANCELLED, state.cancelled_at))
        return tuple(steps)

    def _current(self, state: _BookingState) -> Booking:
        if state.cancelled_at is not None:
            return state.booking
        status = self._history(state)[-1][0]
        driver = None if status is CourierStatus.ALLOCATING else f"driver-{state.booking.id[-6:]}"
        return Booking(
            id=state.booking.id,
            quote_id=state.booking.quote_id,
            idempotency_key=state.booking.idempotency_key,
            price=state.booking.price,
            status=status,
            created_at=state.booking.created_at,
            driver=driver,
        )

    def _position(self, state: _BookingState, status: CourierStatus) -> Point | None:
        req = state.quote.request
        if status in (CourierStatus.ALLOCATING, CourierStatus.CANCELLED):
            return None
        if status is CourierStatus.PICKING_UP:
            return req.pickup
        if status is CourierStatus.DELIVERED:
            return req.dropoff
        milestones = self._milestones(state)
        start, end = milestones[2][1], milestones[3][1]
        share = 0.0 if end <= start else min(1.0, max(0.0, (self.clock() - start) / (end - start)))
        return Point(
            lat=req.pickup.lat + share * (req.dropoff.lat - req.pickup.lat),
            lng=req.pickup.lng + share * (req.dropoff.lng - req.pickup.lng),
        )
