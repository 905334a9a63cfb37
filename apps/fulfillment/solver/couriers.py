"""External courier adapter (ride-hailing style delivery APIs) and a sandbox that behaves like one.

`CourierGateway` is what dispatch code talks to when an order goes to a third-party courier
(GoSend / GrabExpress / Lalamove style): `quote` → `book` (idempotent by key) → `track` →
optionally `cancel`. Real adapters wrap HTTP APIs; `SandboxCourierGateway` is deterministic
(injected clock), for development, demos and tests:

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

Like a remote API, the sandbox keeps nothing that matters in the client object: quotes,
bookings, idempotency keys and the id sequence live in a `SandboxStore` (JSON-serialisable
dicts under string keys). `MemorySandboxStore` (the default) keeps them in this process; a
store shared by several processes (the Django app's cache store) lets a booking made by one
process be tracked or cancelled by any other, and makes idempotent booking hold across them.

Money is integer rupiah. Times are seconds from the injected clock (`time.time` by default).
"""

from __future__ import annotations

import json
import math
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Protocol

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


JSONDict = dict[str, Any]


class SandboxStore(Protocol):
    """Where a `SandboxCourierGateway` keeps its state: the "remote side" of the sandbox.

    Keys are short strings chosen by the gateway (`quote:<id>`, `booking:<id>`,
    `cancel:<id>`, `key:<idempotency key>`, and the counter `seq`); values are
    JSON-serialisable dicts (the store may serialise them: callers never rely on getting the
    same object back). Every gateway sharing one store sees the same quotes and bookings, so a
    store shared between processes behaves like one remote API. `add` and `incr` must be
    atomic for everyone sharing the store: idempotent booking and unique ids rely on them
    under concurrency. A backend failure should surface as `CourierUnavailable` (transient,
    which callers already retry), not as a backend-specific exception.
    """

    def get(self, key: str) -> JSONDict | None:
        """The value stored under `key`; None when there is none."""
        ...

    def set(self, key: str, value: JSONDict) -> None:
        """Store `value` under `key`, replacing any previous value."""
        ...

    def add(self, key: str, value: JSONDict) -> bool:
        """Atomically store `value` under `key` only if the key is absent; True if it was stored."""
        ...

    def delete(self, key: str) -> None:
        """Forget `key` (nothing happens when it is absent)."""
        ...

    def incr(self, key: str) -> int:
        """Atomically add one to the counter under `key` (an absent counter is 0) and return the
        new value. Counters use their own keys, never ones holding dicts."""
        ...


class MemorySandboxStore:
    """`SandboxStore` in this process's memory (thread-safe). Values go through JSON on the way
    in and out, as with a remote store, so no caller ever shares state by reference."""

    def __init__(self) -> None:
        self._data: dict[str, str] = {}
        self._counters: dict[str, int] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> JSONDict | None:
        with self._lock:
            raw = self._data.get(key)
        return None if raw is None else dict(json.loads(raw))

    def set(self, key: str, value: JSONDict) -> None:
        raw = json.dumps(value)
        with self._lock:
            self._data[key] = raw

    def add(self, key: str, value: JSONDict) -> bool:
        raw = json.dumps(value)
        with self._lock:
            if key in self._data:
                return False
            self._data[key] = raw
            return True

    def delete(self, key: str) -> None:
        with self._lock:
            self._data.pop(key, None)

    def incr(self, key: str) -> int:
        with self._lock:
            value = self._counters.get(key, 0) + 1
            self._counters[key] = value
            return value

    def keys(self, prefix: str = "") -> list[str]:
        """The stored keys that start with `prefix`, sorted (for tests and debugging)."""
        with self._lock:
            return sorted(k for k in self._data if k.startswith(prefix))


def quote_to_json(quote: Quote) -> JSONDict:
    request = quote.request
    return {
        "id": quote.id,
        "pickup": [request.pickup.lat, request.pickup.lng],
        "dropoff": [request.dropoff.lat, request.dropoff.lng],
        "weight": request.weight,
        "reference": request.reference,
        "price": quote.price,
        "distance_m": quote.distance_m,
        "pickup_eta_s": quote.pickup_eta_s,
        "delivery_eta_s": quote.delivery_eta_s,
        "expires_at": quote.expires_at,
    }


def quote_from_json(raw: JSONDict) -> Quote:
    pickup, dropoff = raw["pickup"], raw["dropoff"]
    return Quote(
        id=str(raw["id"]),
        request=QuoteRequest(
            pickup=Point(float(pickup[0]), float(pickup[1])),
            dropoff=Point(float(dropoff[0]), float(dropoff[1])),
            weight=int(raw["weight"]),
            reference=str(raw["reference"]),
        ),
        price=int(raw["price"]),
        distance_m=int(raw["distance_m"]),
        pickup_eta_s=int(raw["pickup_eta_s"]),
        delivery_eta_s=int(raw["delivery_eta_s"]),
        expires_at=float(raw["expires_at"]),
    )


@dataclass(frozen=True)
class _BookingState:
    booking: Booking  # as booked (allocating), or as cancelled
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
    store: SandboxStore = field(default_factory=MemorySandboxStore)
    _failures: int = 0  # `fail_next`: an outage as this client sees it (not shared via the store)

    # -- behaving like a remote API

    def fail_next(self, calls: int = 1) -> None:
        self._failures = calls

    def _remote_call(self) -> None:
        if self._failures > 0:
            self._failures -= 1
            raise CourierUnavailable("courier API unavailable (503), retry later")

    def _next_id(self, kind: str) -> str:
        return f"{self.prefix}-{kind}-{self.store.incr('seq'):06d}"

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
        self.store.set(f"quote:{quote.id}", quote_to_json(quote))
        return quote

    def book(self, quote_id: str, *, idempotency_key: str) -> Booking:
        self._remote_call()
        if not idempotency_key:
            raise IdempotencyConflict("an idempotency key is required")
        key = f"key:{idempotency_key}"
        claimed = self.store.get(key)
        if claimed is not None:
            return self._replay(claimed, quote_id, idempotency_key)
        raw_quote = self.store.get(f"quote:{quote_id}")
        if raw_quote is None:
            raise UnknownQuote(f"no quote {quote_id!r}")
        quote = quote_from_json(raw_quote)
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
        # The booking is written before the key points at it, so whoever reads the key finds it;
        # the key is claimed atomically, so of concurrent calls with one key exactly one books.
        record = {
            "id": booking.id,
            "quote": quote_to_json(quote),
            "idempotency_key": idempotency_key,
            "price": booking.price,
            "created_at": booking.created_at,
        }
        self.store.set(f"booking:{booking.id}", record)
        if self.store.add(key, {"booking": booking.id, "quote": quote.id}):
            return booking
        self.store.delete(f"booking:{booking.id}")  # lost the race: another call booked with this key
        claimed = self.store.get(key)
        if claimed is None:
            raise CourierUnavailable("courier API could not settle the booking, retry later")
        return self._replay(claimed, quote_id, idempotency_key)

    def _replay(self, claimed: JSONDict, quote_id: str, idempotency_key: str) -> Booking:
        """The answer to a booking whose idempotency key is already taken."""
        if claimed["quote"] != quote_id:
            raise IdempotencyConflict(f"key {idempotency_key!r} was used for quote {claimed['quote']}, not {quote_id}")
        return self._current(self._state(str(claimed["booking"])))

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
        booking = self._current(self._state(booking_id))
        if booking.status is CourierStatus.CANCELLED:
            return booking
        if booking.status not in (CourierStatus.ALLOCATING, CourierStatus.PICKING_UP):
            raise CannotCancel(f"booking {booking_id} is {booking.status.value}; it can no longer be cancelled")
        # The first cancellation wins; a concurrent one returns the same cancelled booking.
        self.store.add(f"cancel:{booking_id}", {"at": self.clock(), "reason": reason, "driver": booking.driver})
        return self._current(self._state(booking_id))

    # -- simulation

    def _state(self, booking_id: str) -> _BookingState:
        raw = self.store.get(f"booking:{booking_id}")
        if raw is None:
            raise UnknownBooking(f"no booking {booking_id!r}")
        quote = quote_from_json(raw["quote"])
        booking = Booking(
            id=str(raw["id"]),
            quote_id=quote.id,
            idempotency_key=str(raw["idempotency_key"]),
            price=int(raw["price"]),
            status=CourierStatus.ALLOCATING,
            created_at=float(raw["created_at"]),
        )
        cancelled = self.store.get(f"cancel:{booking_id}")
        if cancelled is None:
            return _BookingState(booking, quote)
        driver = cancelled.get("driver")
        cancelled_booking = replace(
            booking,
            status=CourierStatus.CANCELLED,
            driver=None if driver is None else str(driver),
            cancel_reason=str(cancelled.get("reason", "")),
        )
        return _BookingState(cancelled_booking, quote, cancelled_at=float(cancelled["at"]))

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
