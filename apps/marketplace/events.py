"""What apps built on the marketplace plug into it (registered in their AppConfig.ready()).

Hub delivery: the marketplace offers "Kirim lewat hub" only when some hub opens within a week,
but hubs belong to apps.fulfillment, which builds on the marketplace. So fulfillment provides
the hub hours here; without a provider (fulfillment not installed) hub delivery is not offered.
It also prices hub delivery to a map point (`HubQuote`): checkout's quote and the order's
charge both ask the same quoter, so what the buyer saw is what is charged. And the order page
links to the order's delivery through `order_tracking` (its templates do not load fulfillment's tags).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import transaction

if TYPE_CHECKING:
    from .models import Order

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class HubHours:
    next_opening: Callable[[datetime | None], datetime | None]  # when a hub first takes an order placed then
    describe: Callable[[datetime, datetime], str]  # "07:00", "besok 07:00", ... (moment, now)


_hub_hours: list[HubHours] = []


def provide_hub_hours(provider: HubHours) -> None:
    _hub_hours[:] = [provider]


def hub_hours() -> HubHours | None:
    return _hub_hours[0] if _hub_hours else None


@dataclass(frozen=True)
class HubQuote:
    """What hub delivery to a map point costs and when it starts (apps.fulfillment prices it)."""

    fee: int  # rupiah, charged as the order's delivery fee
    hub_name: str
    starts_at: datetime  # now when a hub serving the point is open, else its next opening
    starts_text: str  # "" when it starts now, else "besok 07:00", "Senin, 7 Desember 07:00"


# (lat, lng, now) -> HubQuote; raises apps.core.errors (4xx) naming why no hub can deliver there.
HubQuoter = Callable[[Decimal, Decimal, datetime], HubQuote]
_hub_quoter: list[HubQuoter] = []


def provide_hub_quote(quoter: HubQuoter) -> None:
    _hub_quoter[:] = [quoter]


def hub_quoter() -> HubQuoter | None:
    return _hub_quoter[0] if _hub_quoter else None


# Event prices (apps.bazar: a bazar's promotions during its window). A pricer gets the variants
# of a cart or checkout and the moment, and returns the unit price it sets for some of them
# (variant id -> rupiah, never above the list price); the others sell at their list price.
# Checkout charges and the cart shows the same `unit_prices`, so what the buyer saw is charged.
Pricer = Callable[[Sequence[Any], datetime], Mapping[int, int]]
_pricers: list[Pricer] = []


def provide_pricer(pricer: Pricer) -> None:
    _pricers[:] = [pricer]


def unit_prices(variants: Sequence[Any], at: datetime) -> dict[int, int]:
    """variant id -> the unit price charged at `at`: the list price, or a provider's lower one."""
    prices = {v.pk: int(v.price) for v in variants}
    for pricer in _pricers:
        for variant_id, price in pricer(variants, at).items():
            if variant_id in prices and 0 <= price < prices[variant_id]:
                prices[variant_id] = int(price)
    return prices


@dataclass(frozen=True)
class OrderTracking:
    """How the order page links to its hub delivery (apps.fulfillment knows the delivery):
    the signed-in tracking page and the public link the buyer may share."""

    code: str  # the delivery's tracking code, shown next to the link
    track_url: str
    public_path: str  # no sign-in, no personal data (apps.fulfillment.public_tracking)


# order -> OrderTracking, None while the order has no delivery.
OrderTracker = Callable[["Order"], OrderTracking | None]
_order_tracker: list[OrderTracker] = []


def provide_order_tracking(tracker: OrderTracker) -> None:
    _order_tracker[:] = [tracker]


def order_tracking(order: Order) -> OrderTracking | None:
    """The order's delivery links, None without a delivery or without apps.fulfillment."""
    return _order_tracker[0](order) if _order_tracker else None


# Vouchers at checkout (apps.bazar: ArisanGo vouchers, ledger-backed). The marketplace only
# knows a voucher by its code; the provider moves the money (voucher account -> the shop's sales
# account) and puts it back when the order is cancelled or refunded.
@dataclass(frozen=True)
class VoucherOption:
    code: str
    remaining: int  # rupiah still on the voucher
    expires_on: date
    label: str  # "Voucher UMKM ABC… · sisa Rp50.000 · s.d. 6 Mar 2027"


@dataclass(frozen=True)
class VoucherProvider:
    # buyer -> the buyer's vouchers usable now (active, not expired, something left)
    options: Callable[[Any], list[VoucherOption]]
    # (code, shop, at most, buyer, reference) -> rupiah taken off the voucher into the shop's sales
    # account (0 when it is used up); raises apps.core.errors (4xx) for a code that is not the
    # buyer's, expired, or not valid at that shop. Idempotent on (voucher, reference).
    redeem: Callable[[str, Any, int, Any, str], int]
    # (code, shop, amount, reference) -> a sentence saying where `amount` went back to (the voucher,
    # or the holder's wallet once the voucher expired). Idempotent on (voucher, reference).
    give_back: Callable[[str, Any, int, str], str]


_vouchers: list[VoucherProvider] = []


def provide_vouchers(provider: VoucherProvider) -> None:
    _vouchers[:] = [provider]


def vouchers() -> VoucherProvider | None:
    """The voucher provider, None without apps.bazar (then checkout offers no voucher)."""
    return _vouchers[0] if _vouchers else None


# Orders paid by invoice (B2B "tempo", services.terms). apps.invoicing builds on the marketplace,
# so the marketplace announces here and invoicing registers under its app label:
# - `on_terms_delivered(label, handler)`: an on-terms order reached the buyer; the handler runs
#   after the delivering transaction commits (it never sees a rolled-back delivery), each on its
#   own, and gets the order id (invoicing issues the order's invoice from it).
# - `on_terms_refund(label, check)`: asked under the order's row lock before a delivered on-terms
#   order is refunded (goods back to stock); the check raises a DomainError to refuse (invoicing:
#   while the order's invoice is open or paid, it must be cancelled or settled first).
TermsHandler = Callable[[int], None]
_terms_delivered: dict[str, TermsHandler] = {}
_terms_refund: dict[str, TermsHandler] = {}


def on_terms_delivered(label: str, handler: TermsHandler) -> None:
    _terms_delivered[label] = handler


def on_terms_refund(label: str, check: TermsHandler) -> None:
    _terms_refund[label] = check


def unregister_terms(label: str) -> None:
    """Tests only."""
    _terms_delivered.pop(label, None)
    _terms_refund.pop(label, None)


def dispatch_terms_delivered(order_id: int) -> None:
    """Called by services.transition inside the delivering transaction; handlers run on commit."""
    for label, handler in list(_terms_delivered.items()):

        def run(handler: TermsHandler = handler, label: str = label) -> None:
            try:
                handler(order_id)
            except Exception:  # the delivery stands; the listener has its own repair path
                logger.exception("order %s delivered: listener %s failed", order_id, label)

        transaction.on_commit(run)


def check_terms_refund(order_id: int) -> None:
    for check in list(_terms_refund.values()):
        check(order_id)
