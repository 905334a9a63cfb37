"""Marketplace constants; each can be overridden by a setting of the same name prefixed
`MARKETPLACE_` (e.g. MARKETPLACE_RESERVATION_MINUTES = 20)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

# Platform fee per order, in basis points of the goods subtotal, by the tenant's plan
# (apps.tenancy.models.Plan): the kelurahan pilot takes 10%, the city SaaS 3%.
PLATFORM_FEE_BPS: dict[str, int] = {"kelurahan_pilot": 1_000, "city_saas": 300}
DEFAULT_PLATFORM_FEE_BPS = 1_000

RESERVATION_MINUTES = 15  # a checkout holds the cart's stock this long
PAYMENT_MINUTES = 60  # an order not paid (nor switched to COD) by then expires
AUTO_COMPLETE_DAYS = 3  # a delivered order the buyer did not confirm completes by itself
MAX_LINE_QUANTITY = 999
MAX_PRICE = 100_000_000  # rupiah per unit
MAX_LINES_PER_CHECKOUT = 100
MAX_PHOTO_BYTES = 5 * 1024 * 1024


def get(name: str) -> Any:
    return getattr(settings, f"MARKETPLACE_{name}", globals()[name])


def fee_bps(plan: str) -> int:
    table: dict[str, int] = get("PLATFORM_FEE_BPS")
    return int(table.get(plan, get("DEFAULT_PLATFORM_FEE_BPS")))
