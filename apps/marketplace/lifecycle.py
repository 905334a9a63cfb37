"""The order lifecycle: statuses, actions, who may take them, and from which status.

awaiting_payment → paid | cod | on_terms → accepted → packed → shipped → delivered → completed
cancel (before shipping) and expire (unpaid) release stock; refund (after shipping)
returns it. Money follows through apps.payments (services.transition). `on_terms`: a business
buyer pays by invoice after delivery (services.terms); the invoice marks the order paid.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from apps.core.workflow import Machine, Step


class Status(models.TextChoices):
    AWAITING_PAYMENT = "awaiting_payment", _("Menunggu pembayaran")
    PAID = "paid", _("Sudah dibayar")
    COD = "cod", _("Bayar di tempat (COD)")
    ON_TERMS = "on_terms", _("Bayar dengan faktur (tempo)")
    ACCEPTED = "accepted", _("Diterima toko")
    PACKED = "packed", _("Dikemas")
    SHIPPED = "shipped", _("Diserahkan ke kurir/hub")
    DELIVERED = "delivered", _("Sampai di pembeli")
    COMPLETED = "completed", _("Selesai")
    CANCELLED = "cancelled", _("Dibatalkan")
    EXPIRED = "expired", _("Kedaluwarsa (tidak dibayar)")
    REFUNDED = "refunded", _("Dikembalikan")


FINAL = frozenset({Status.COMPLETED, Status.CANCELLED, Status.EXPIRED, Status.REFUNDED})
# Stock still allocated (not shipped, not released) in these.
HOLDING_STOCK = frozenset(
    {Status.AWAITING_PAYMENT, Status.PAID, Status.COD, Status.ON_TERMS, Status.ACCEPTED, Status.PACKED}
)
# Orders that count as sales (reports, co-purchase recommendations).
SOLD = frozenset(
    {
        Status.PAID,
        Status.COD,
        Status.ON_TERMS,
        Status.ACCEPTED,
        Status.PACKED,
        Status.SHIPPED,
        Status.DELIVERED,
        Status.COMPLETED,
    }
)
# Waiting for the shop to accept (the seller's "new orders").
TO_ACCEPT = (Status.PAID, Status.COD, Status.ON_TERMS)

BUYER = "buyer"
SHOP = "shop"
COURIER = "courier"
STAFF = "staff"
SYSTEM = "system"

# Each step: the statuses it may start from, the status it leads to, who may take it.
ORDER: Machine[frozenset[str]] = Machine(
    "order",
    Status.values,
    (
        Step("pay", (Status.AWAITING_PAYMENT,), Status.PAID, frozenset({BUYER, SYSTEM})),
        Step("choose_cod", (Status.AWAITING_PAYMENT,), Status.COD, frozenset({BUYER, SYSTEM})),
        Step("choose_terms", (Status.AWAITING_PAYMENT,), Status.ON_TERMS, frozenset({BUYER, SYSTEM})),
        Step("accept", TO_ACCEPT, Status.ACCEPTED, frozenset({SHOP, STAFF})),
        Step("pack", (Status.ACCEPTED,), Status.PACKED, frozenset({SHOP, STAFF})),
        Step("ship", (Status.PACKED,), Status.SHIPPED, frozenset({SHOP, STAFF})),
        Step("deliver", (Status.SHIPPED,), Status.DELIVERED, frozenset({SHOP, COURIER, STAFF})),
        Step("complete", (Status.DELIVERED,), Status.COMPLETED, frozenset({BUYER, STAFF, SYSTEM})),
        Step(
            "cancel",
            (Status.AWAITING_PAYMENT, Status.PAID, Status.COD, Status.ON_TERMS, Status.ACCEPTED, Status.PACKED),
            Status.CANCELLED,
            frozenset({BUYER, SHOP, STAFF}),
        ),
        Step("expire", (Status.AWAITING_PAYMENT,), Status.EXPIRED, frozenset({SYSTEM})),
        Step("refund", (Status.SHIPPED, Status.DELIVERED, Status.COMPLETED), Status.REFUNDED, frozenset({SHOP, STAFF})),
    ),
)
# A buyer may cancel only before the shop has accepted.
BUYER_MAY_CANCEL_FROM = frozenset({Status.AWAITING_PAYMENT, Status.PAID, Status.COD, Status.ON_TERMS})

# Actions a person takes from the order page (the others happen through payment or the system).
MANUAL_ACTIONS = ("accept", "pack", "ship", "deliver", "complete", "cancel", "refund")

ACTION_LABELS: dict[str, object] = {
    "place": _("Dipesan"),
    "pay": _("Dibayar"),
    "choose_cod": _("Pilih bayar di tempat"),
    "choose_terms": _("Bayar dengan faktur"),
    "invoice_paid": _("Faktur lunas"),
    "payment_started": _("Pembayaran QRIS dimulai"),
    "accept": _("Diterima toko"),
    "pack": _("Dikemas"),
    "ship": _("Diserahkan ke kurir/hub"),
    "deliver": _("Sampai di pembeli"),
    "complete": _("Selesai"),
    "cancel": _("Dibatalkan"),
    "expire": _("Kedaluwarsa"),
    "refund": _("Dikembalikan"),
    "late_payment_refunded": _("Pembayaran terlambat dikembalikan"),
}
ACTION_BUTTONS: dict[str, object] = {
    "accept": _("Terima pesanan"),
    "pack": _("Tandai sudah dikemas"),
    "ship": _("Serahkan ke kurir/hub"),
    "deliver": _("Tandai sudah sampai"),
    "complete": _("Pesanan sudah saya terima"),
    "cancel": _("Batalkan pesanan"),
    "refund": _("Kembalikan dana dan barang"),
}


def allowed(action: str, status: str, roles: set[str]) -> bool:
    """May someone with `roles` take `action` on an order in `status`?"""
    step = ORDER.steps.get(action)
    if step is None:
        return False
    who = step.actor or frozenset()
    if status not in step.sources or not (roles & who):
        return False
    return not (action == "cancel" and roles & who == {BUYER} and status not in BUYER_MAY_CANCEL_FROM)
