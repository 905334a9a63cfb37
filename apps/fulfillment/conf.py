"""Fulfillment constants; each can be overridden by a setting of the same name prefixed
`FULFILLMENT_` (e.g. FULFILLMENT_SOLVER_SECONDS = 5)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

SOLVER_SECONDS = 10.0  # wall-clock budget of one routing job's solver call
# What routing minimises: "distance" (metres driven, whoever drives them) or "cost" (metres x each
# vehicle's Rp/km). Couriers earn per delivery, not per km, so kilometres (time, fuel, traffic)
# are what a hub saves; "cost" makes a mixed fleet prefer cheap sepeda/becak even where they
# ride further (bench/routing.py shows both).
SOLVER_OBJECTIVE = "distance"
TENANT_RADIUS_KM = {"kelurahan": 6.0, "kota": 15.0}  # a point farther from the tenant's centre is outside
DEFAULT_CUTOFFS = ["09:00", "12:00", "15:00", "18:00"]  # local times a hub's batch closes
PICKUP_SERVICE_S = 180  # seconds at a shop to collect a parcel
DROPOFF_SERVICE_S = 180  # seconds at the buyer's door
DEFAULT_WINDOW_HOURS = 3  # a delivery without a requested window must arrive within this after its cut-off
PING_MIN_INTERVAL_S = 5  # GPS pings closer together than this are refused (429)
PING_MAX_ACCURACY_M = 500  # pings vaguer than this are refused
PING_MAX_SKEW_S = 120  # a ping's own timestamp may not be further in the future than this
OTP_MAX_ATTEMPTS = 5
MAX_PROOF_BYTES = 5 * 1024 * 1024
UNITS_PER_SLOT = 10  # consigned units one parcel slot of a hub holds (caps consignment inbound)
STALE_JOB_MINUTES = 10  # a routing job queued/running this long is queued again by the dispatcher
OSRM_URL = ""  # an OSRM-compatible road-matrix server (e.g. http://osrm:5000); empty: haversine × detour
OSRM_PROFILE = "driving"
TRACKING_LINK_DAYS = 7  # a public tracking link stops working this many days after the delivery ended
# Without a broker (eager Celery: `make run`) route in a thread of the web process rather than
# inside the operator's request (config/settings/local.py turns it on; tests keep it off).
ROUTING_IN_THREAD = False
EXTERNAL_PROVIDER = "sandbox"  # external courier used when no local courier can serve

# Hub delivery fee (rupiah), the same for checkout's quote and the order's charge (services/pricing.py):
# the base fee covers HUB_FEE_INCLUDED_M from the hub; every started km beyond adds HUB_FEE_PER_KM.
HUB_BASE_FEE = 5_000
HUB_FEE_INCLUDED_M = 1_000
HUB_FEE_PER_KM = 1_000


def get(name: str) -> Any:
    return getattr(settings, f"FULFILLMENT_{name}", globals()[name])
