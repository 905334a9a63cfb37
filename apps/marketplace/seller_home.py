"""The seller's home (issue 19): a shop's orders in tabs by what the seller has to do next, each
row with what she needs to decide (when, who, what, how much, how paid and delivered) and only
the actions its status allows. Reads only; the actions go through `services.transition`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import django_filters
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from apps.payments import methods as payment_methods

from . import lifecycle
from .lifecycle import Status
from .models import DeliveryMethod, Order, OrderLine, Shop
from .services.handover import HANDOVER_PAYMENT


@dataclass(frozen=True)
class Tab:
    slug: str
    label: Any
    statuses: tuple[str, ...]


TABS: tuple[Tab, ...] = (
    Tab("baru", _("Pesanan baru"), lifecycle.TO_ACCEPT),
    Tab("kirim", _("Perlu dikirim"), (Status.ACCEPTED, Status.PACKED)),
    Tab("dikirim", _("Dikirim"), (Status.SHIPPED, Status.DELIVERED)),
    Tab("selesai", _("Selesai"), (Status.COMPLETED,)),
    Tab("batal", _("Dibatalkan"), (Status.CANCELLED, Status.EXPIRED, Status.REFUNDED)),
)
# Not the seller's move yet: shown as a line under the tabs, not a tab of its own.
UNPAID = Tab("belum-bayar", _("Belum dibayar pembeli"), (Status.AWAITING_PAYMENT,))
ALL_TABS = {tab.slug: tab for tab in (*TABS, UNPAID)}
DEFAULT_TAB = TABS[0].slug
LIMIT = 100

REJECT_REASONS: tuple[tuple[str, Any], ...] = (
    ("stok", _("Stok habis")),
    ("tutup", _("Toko sedang tutup")),
    ("jauh", _("Alamat di luar jangkauan antar")),
    ("lain", _("Alasan lain")),
)

# The actions a seller takes from her home: (action, button label, secondary style).
_ACTION_BUTTONS: dict[str, tuple[Any, bool]] = {
    "accept": (_("Terima"), False),
    "pack": (_("Sudah dikemas"), False),
    "ship": (_("Kirim"), False),
    "deliver": (_("Sudah sampai"), False),
}


class SellerOrderFilter(django_filters.FilterSet):
    """`?tab=` of the seller's home; an unknown tab is the default one."""

    tab = django_filters.ChoiceFilter(
        choices=[(slug, tab.label) for slug, tab in ALL_TABS.items()], method="by_tab", empty_label=None
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def by_tab(self, queryset: QuerySet[Order], name: str, value: str) -> QuerySet[Order]:
        return queryset.filter(status__in=ALL_TABS[value].statuses)


def tab_of(params: Any) -> str:
    value = str(params.get("tab", "")) if params is not None else ""
    return value if value in ALL_TABS else DEFAULT_TAB


@dataclass
class Row:
    order: Order
    when: datetime
    buyer: str
    items: list[str]
    payment_method: str
    payment_status: str
    paid: bool
    delivery: str
    actions: list[tuple[str, Any, bool]] = field(default_factory=list)
    may_reject: bool = False
    send_via_hub: bool = False


def first_name(full_name: str, username: str) -> str:
    """Only the buyer's first name on the seller's list (enough to call out at the door)."""
    words = (full_name or "").split()
    return words[0] if words else username


def _payment(order: Order) -> tuple[str, bool]:
    if order.refunded_amount:
        return str(_("Dana dikembalikan")), False
    request = order.payment_request
    if request is None:  # no bill: a voucher paid it in full (apps.bazar), else not placed fully
        return (str(_("Lunas")), True) if order.voucher_amount else (str(_("Belum dibayar")), False)
    if request.status == request.Status.PAID:
        return str(_("Lunas")), True
    if request.status in (request.Status.OPEN, request.Status.AWAITING_CASH):
        # Cash on delivery says so in the method already: here only whether it is paid.
        return str(_("Belum dibayar")), False
    return str(request.get_status_display()), False


def _row(order: Order) -> Row:
    method = payment_methods.METHODS.get(order.payment_method)
    payment_status, paid = _payment(order)
    row = Row(
        order=order,
        when=order.created_at,
        buyer=first_name(order.buyer.full_name, order.buyer.username),
        items=[
            f"{line.product_name}{' — ' + line.variant_name if line.variant_name else ''} × {line.quantity}"
            for line in order.lines.all()
        ],
        payment_method=str(method.label) if method is not None else order.payment_method,
        payment_status=payment_status,
        paid=paid,
        delivery=order.get_delivery_method_display(),
    )
    hub = order.delivery_method == DeliveryMethod.HUB
    if order.status in lifecycle.TO_ACCEPT:
        row.actions.append(("accept", *_ACTION_BUTTONS["accept"]))
        row.may_reject = True
    elif order.status == Status.ACCEPTED:
        row.actions.append(("pack", *_ACTION_BUTTONS["pack"]))
        row.send_via_hub = hub
    elif order.status == Status.PACKED:
        if hub:
            row.send_via_hub = True
        else:
            row.actions.append(("ship", *_ACTION_BUTTONS["ship"]))
    elif order.status == Status.SHIPPED and not hub:
        row.actions.append(("deliver", *_ACTION_BUTTONS["deliver"]))
    return row


# The actions the seller's home may post, and the lifecycle action each one is.
HOME_ACTIONS = {"accept": "accept", "reject": "cancel", "pack": "pack", "ship": "ship", "deliver": "deliver"}


def _shop_work(shop: Shop) -> QuerySet[Order]:
    """The orders the shop itself handles: not the hand-over orders of a group purchase (apps.sembako),
    whose goods the shop already sold to the group and which the hub delivers."""
    return Order.objects.filter(shop=shop).filter(~Q(payment_method=HANDOVER_PAYMENT))


def tab_counts(shop: Shop) -> dict[str, int]:
    """How many orders each tab holds (one grouped query)."""
    by_status = {row["status"]: row["n"] for row in _shop_work(shop).values("status").annotate(n=Count("id"))}
    return {slug: sum(by_status.get(s, 0) for s in tab.statuses) for slug, tab in ALL_TABS.items()}


def seller_orders(shop: Shop, params: Any) -> list[Row]:
    """The rows of one tab, newest first (the oldest first in "Pesanan baru": first come, first
    served), at most LIMIT."""
    tab = tab_of(params)
    queryset = (
        _shop_work(shop)
        .select_related("buyer", "payment_request")
        .prefetch_related(Prefetch("lines", OrderLine.objects.order_by("id")))
    )
    filtered = SellerOrderFilter({"tab": tab}, queryset=queryset).qs
    ordering = ("created_at", "id") if tab == DEFAULT_TAB else ("-created_at", "-id")
    return [_row(order) for order in filtered.order_by(*ordering)[:LIMIT]]
