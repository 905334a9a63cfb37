"""Who may do what in the marketplace: sellers, shop managers, and the roles an actor holds on an order."""

from __future__ import annotations

from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Forbidden

from .. import lifecycle
from ..models import (
    DeliveryMethod,
    Order,
    Shop,
)

Status = lifecycle.Status


def _may_sell(user: User) -> bool:
    return user.is_staff or user.has_role(Role.PEMILIK_UMKM)


def _require_shop_manager(shop: Shop, actor: User) -> None:
    if actor.pk != shop.owner_id and not actor.is_staff:
        raise Forbidden(_("Hanya pemilik toko yang bisa mengubah toko ini."), code="not_shop_owner")


def order_roles(order: Order, actor: User | None) -> set[str]:
    """The lifecycle roles `actor` holds on `order` (None = the system itself)."""
    if actor is None:
        return {lifecycle.SYSTEM}
    roles: set[str] = set()
    if actor.pk == order.buyer_id:
        roles.add(lifecycle.BUYER)
    if actor.pk == order.shop.owner_id:
        roles.add(lifecycle.SHOP)
    if actor.is_staff:
        roles.add(lifecycle.STAFF)
    if (
        order.delivery_method != DeliveryMethod.PICKUP
        and order.status in (Status.SHIPPED, Status.DELIVERED)
        and (actor.has_role(Role.KURIR) or actor.has_role(Role.OPERATOR_HUB))
    ):
        roles.add(lifecycle.COURIER)
    return roles
