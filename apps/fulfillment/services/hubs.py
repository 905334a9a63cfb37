"""Hubs: create a hub, opening hours, consign goods to a hub."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.core.errors import Conflict, ValidationFailed
from apps.core.opening_hours import clean_opening_hours
from apps.core.short_text import clean_short_text
from apps.marketplace import services as market
from apps.marketplace.models import Stock, Variant

from .. import conf
from ..models import (
    ConsignmentMovement,
    Hub,
)
from ._common import _TIME_FORMAT, _require_operator, _require_staff, _whole, clean_point, clean_times


@transaction.atomic
def create_hub(
    *,
    actor: User,
    code: str,
    name: str,
    lat: Any,
    lng: Any,
    address: str = "",
    service_radius_m: Any = 3_000,
    capacity_volume_l: Any = 2_000,
    capacity_weight_kg: Any = 500,
    capacity_slots: Any = 100,
    opening_hours: dict[str, Any] | None = None,
    cutoff_times: Iterable[Any] | None = None,
    operators: Iterable[User] = (),
) -> Hub:
    """A hub with its marketplace stock location (kind hub), inside the tenant's area."""
    _require_staff(actor)
    lat_d, lng_d = clean_point(lat, lng)
    capacity = _clean_capacity(service_radius_m, capacity_volume_l, capacity_weight_kg, capacity_slots)
    opening = clean_opening_hours(opening_hours)
    cutoffs = clean_times(cutoff_times if cutoff_times is not None else conf.get("DEFAULT_CUTOFFS"), field="cutoff")
    location = market.create_hub(code=code, name=name, address=address, lat=lat_d, lng=lng_d, actor=actor)
    hub = Hub.objects.create(
        code=location.code,
        name=location.name,
        location=location,
        address=location.address,
        lat=lat_d,
        lng=lng_d,
        **capacity,
        opening_hours=opening,
        cutoff_times=cutoffs,
    )
    _set_operators(hub, operators)
    return hub


@transaction.atomic
def update_hub(
    hub: Hub,
    *,
    actor: User,
    name: str,
    lat: Any,
    lng: Any,
    address: str = "",
    service_radius_m: Any = 3_000,
    capacity_volume_l: Any = 2_000,
    capacity_weight_kg: Any = 500,
    capacity_slots: Any = 100,
    opening_hours: dict[str, Any] | None = None,
    cutoff_times: Iterable[Any] | None = None,
    is_active: bool = True,
    operators: Iterable[User] = (),
) -> Hub:
    """A hub's details, opening hours included (the admin's hours editor); its code and stock
    location stay. The same checks as `create_hub`."""
    _require_staff(actor)
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    lat_d, lng_d = clean_point(lat, lng)
    hub.name = clean_short_text(name, field="name", max_length=120) or hub.name
    hub.address = clean_short_text(address, field="address", max_length=255)
    hub.lat, hub.lng = lat_d, lng_d
    for name, value in _clean_capacity(service_radius_m, capacity_volume_l, capacity_weight_kg, capacity_slots).items():
        setattr(hub, name, value)
    hub.opening_hours = clean_opening_hours(opening_hours)
    if cutoff_times is not None:
        hub.cutoff_times = clean_times(cutoff_times, field="cutoff")
    hub.is_active = bool(is_active)
    hub.save()
    _set_operators(hub, operators)
    return hub


def _clean_capacity(radius: Any, volume: Any, weight: Any, slots: Any) -> dict[str, int]:
    """A hub's reach and capacity fields, checked as whole numbers (create and update alike)."""
    return {
        "service_radius_m": _whole(radius, field="service_radius_m", label=_("Radius layanan"), minimum=100),
        "capacity_volume_l": _whole(volume, field="capacity_volume_l", label=_("Kapasitas volume")),
        "capacity_weight_kg": _whole(weight, field="capacity_weight_kg", label=_("Kapasitas berat")),
        "capacity_slots": _whole(slots, field="capacity_slots", label=_("Kapasitas slot")),
    }


def _set_operators(hub: Hub, operators: Iterable[User]) -> None:
    people = list(operators)
    for person in people:
        if not person.has_role(Role.OPERATOR_HUB) and not person.is_staff:
            raise ValidationFailed(
                _("%(user)s bukan operator hub.") % {"user": person.username}, code="not_operator", field="operators"
            )
    hub.operators.set(people)


def is_open(hub: Hub, at: datetime) -> bool:
    local = timezone.localtime(at)
    span = (hub.opening_hours or {}).get(str(local.weekday()))
    if not span:
        return not hub.opening_hours  # no hours set: always open
    return bool(span[0] <= local.strftime(_TIME_FORMAT) < span[1])


@transaction.atomic
def consign(
    hub: Hub, variant: Variant, quantity: Any, *, direction: str, actor: User, note: str = ""
) -> ConsignmentMovement:
    """A UMKM's goods come into (or leave) a hub: the hub's Stock row changes under a row lock
    and the movement is recorded with its actor. Outbound never takes what orders hold (409)."""
    hub = Hub.objects.select_for_update().get(pk=hub.pk)
    variant = Variant.objects.select_related("shop").get(pk=variant.pk)
    if actor.pk != variant.shop.owner_id:
        _require_operator(hub, actor)
    if direction not in ConsignmentMovement.Direction.values:
        raise ValidationFailed(_("Arah titipan tidak dikenal."), code="invalid_direction", field="direction")
    qty = _whole(quantity, field="quantity", label=_("Jumlah"), minimum=1)
    note = clean_short_text(note, field="note", max_length=255)  # before the stock moves
    stock, _created = Stock.objects.get_or_create(variant=variant, location=hub.location)
    stock = Stock.objects.select_for_update().get(pk=stock.pk)
    if direction == ConsignmentMovement.Direction.INBOUND:
        held = Stock.objects.filter(location=hub.location).aggregate(n=Sum("quantity"))["n"] or 0
        if held + qty > hub.capacity_slots * conf.get("UNITS_PER_SLOT"):
            raise Conflict(_("Hub sudah penuh; titipan ditolak."), code="hub_full")
        stock.quantity += qty
    else:
        if stock.quantity - qty < stock.quantity_allocated:
            raise Conflict(
                _("Hanya %(n)d yang bisa diambil: sisanya sudah dipesan.")
                % {"n": max(0, stock.quantity - stock.quantity_allocated)},
                code="below_allocated",
            )
        stock.quantity -= qty
    stock.save(update_fields=["quantity"])
    market.queue_listing_sync([variant.product_id])
    return ConsignmentMovement.objects.create(
        hub=hub,
        shop=variant.shop,
        variant=variant,
        direction=direction,
        quantity=qty,
        balance_after=stock.quantity,
        note=note,
        actor=actor,
    )
