"""Marketplace writes: shops, catalogue, stock, carts and reservations, orders, reviews, imports.

Stock integrity (the Saleor pattern, see docs/specs): a checkout takes a time-boxed
reservation; placing an order allocates stock while holding row locks on the stock rows,
taken in primary-key order (`SELECT ... FOR UPDATE`), and fails with "stok tidak cukup"
(409, code `insufficient_stock`) when short. Lock order across the app, so nothing deadlocks:
order row → stock rows (ascending id) → payment request → ledger accounts (apps.payments).

Every order change is one `transition` (or `pay_order` / `sync_payment`), written as an
`OrderEvent` with actor and time, announced with `notify()` in the same transaction.

The writes live in one module per section; this package re-exports the public names, so
`from apps.marketplace.services import X` and `services.X` work unchanged.
"""

from .access import order_roles
from .bulk_import import apply_import, discard_import, preview_import
from .cart import (
    add_to_cart,
    delete_expired_reservations,
    insufficient_stock,
    release_reservations,
    reserve_cart,
    set_cart_quantity,
)
from .catalogue import (
    VariantSpec,
    add_photo,
    add_variant,
    create_product,
    set_stock,
    split_categories,
    update_product,
    update_variant,
)
from .checkout import (
    CheckoutQuote,
    DeliveryQuote,
    PlacementResult,
    clean_delivery_point,
    hub_delivery_opens,
    place_and_pay,
    place_orders,
    quote_checkout,
    quote_delivery,
)
from .handover import HANDOVER_PAYMENT, place_handover_order
from .inputs import clean_point, clean_price, clean_quantity, clean_sku
from .listing import queue_listing_sync
from .orders import complete_delivered, expire_due_orders, next_sweep_at, pay_order, sync_payment, transition
from .reviews import add_review
from .shops import (
    create_hub,
    ensure_payment_account,
    mark_verified,
    open_shop,
    shop_location,
    unmark_verified,
    update_shop,
)
from .terms import (
    INVOICE_METHOD,
    TermsBuyer,
    buyer_shop,
    mark_paid_by_invoice,
    may_buy_on_terms,
    require_terms,
    terms_buyer,
)

__all__ = [
    "HANDOVER_PAYMENT",
    "INVOICE_METHOD",
    "CheckoutQuote",
    "DeliveryQuote",
    "PlacementResult",
    "TermsBuyer",
    "VariantSpec",
    "add_photo",
    "add_review",
    "add_to_cart",
    "add_variant",
    "apply_import",
    "buyer_shop",
    "clean_delivery_point",
    "clean_point",
    "clean_price",
    "clean_quantity",
    "clean_sku",
    "complete_delivered",
    "create_hub",
    "create_product",
    "delete_expired_reservations",
    "discard_import",
    "ensure_payment_account",
    "expire_due_orders",
    "hub_delivery_opens",
    "insufficient_stock",
    "mark_paid_by_invoice",
    "mark_verified",
    "may_buy_on_terms",
    "next_sweep_at",
    "open_shop",
    "order_roles",
    "pay_order",
    "place_and_pay",
    "place_handover_order",
    "place_orders",
    "preview_import",
    "queue_listing_sync",
    "quote_checkout",
    "quote_delivery",
    "release_reservations",
    "require_terms",
    "reserve_cart",
    "set_cart_quantity",
    "set_stock",
    "shop_location",
    "split_categories",
    "sync_payment",
    "terms_buyer",
    "transition",
    "unmark_verified",
    "update_product",
    "update_shop",
    "update_variant",
]
