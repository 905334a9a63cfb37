"""Antar: hubs, couriers and hub deliveries, through the fulfillment services (a hub gets its
operators, a courier its vehicle defaults, a delivery checks the order's status and the hub's
service area)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import factory
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.fulfillment import services
from apps.fulfillment.models import Courier, Delivery, Hub
from apps.marketplace.models import Order

from .accounts import UserFactory
from .base import ServiceFactory
from .marketplace import OrderFactory, ShopFactory, VariantFactory

HUB_POINT = (-7.637458, 111.534707)  # Balai Kelurahan Mojorejo, Kota Madiun
SHOP_POINT = (-7.6352, 111.5331)
BUYER_POINT = (-7.6401, 111.5372)
ALWAYS_OPEN: dict[str, list[str]] = {}  # no opening hours: the hub takes parcels at any hour


class HubFactory(ServiceFactory):
    """A hub at Mojorejo made by a petugas, with one operator; `opening_hours` like
    {"0": ["07:00", "21:00"], ...} (weekday → span); none (the default) is always open."""

    class Meta:
        model = Hub

    actor = factory.SubFactory(UserFactory, roles=[Role.ADMIN], staff=True)
    code = factory.Sequence(lambda n: f"hub-uji-{n}")
    name = factory.Sequence(lambda n: f"Hub Uji {n}")
    lat = HUB_POINT[0]
    lng = HUB_POINT[1]
    address = "Balai Kelurahan Mojorejo"
    opening_hours: Any = None
    cutoff_times: Any = ("00:00",)
    operators = factory.LazyFunction(lambda: [UserFactory(roles=[Role.OPERATOR_HUB])])

    @classmethod
    def _service(cls, **kwargs: Any) -> Hub:
        kwargs["cutoff_times"] = list(kwargs["cutoff_times"])
        return services.create_hub(**kwargs)


class CourierFactory(ServiceFactory):
    """A kurir on a motor at `home_hub`, registered by the hub's operator, on shift all day."""

    class Meta:
        model = Courier

    user = factory.SubFactory(UserFactory, roles=[Role.KURIR])
    home_hub = factory.SubFactory(HubFactory)
    vehicle = "motor"
    shift_start = time(0, 0)
    shift_end = time(23, 59, 59)

    @classmethod
    def _service(cls, *, user: User, home_hub: Hub, **kwargs: Any) -> Courier:
        operator = home_hub.operators.order_by("pk").first()
        actor = operator if operator is not None else User.objects.filter(is_staff=True).order_by("pk").first()
        assert actor is not None, "CourierFactory needs a hub operator or a staff user"
        return services.register_courier(user, actor=actor, home_hub=home_hub, **kwargs)


class HubOrderFactory(OrderFactory):
    """A packed hub-delivery order from a shop near the hub (a hub must exist for checkout to
    offer hub delivery: make one first)."""

    variant = factory.SubFactory(
        VariantFactory,
        shop=factory.SubFactory(ShopFactory, lat=SHOP_POINT[0], lng=SHOP_POINT[1], offers_hub_delivery=True),
    )
    delivery = "hub"
    lat = BUYER_POINT[0]
    lng = BUYER_POINT[1]
    status = "packed"


class DeliveryFactory(ServiceFactory):
    """A hub delivery of a packed hub order, sent by the shop owner, with a window of
    `window_hours` from `window_start` (default: now)."""

    class Meta:
        model = Delivery

    order = factory.SubFactory(HubOrderFactory)
    lat = BUYER_POINT[0]
    lng = BUYER_POINT[1]
    address = "Jl. Mojorejo Gg. II No. 3"
    window_start: Any = None
    window_hours = 6
    weight_kg = 1

    @classmethod
    def _service(cls, *, order: Order, window_start: datetime | None, window_hours: int, **kwargs: Any) -> Delivery:
        start = window_start or timezone.now()
        owner = Order.objects.select_related("shop__owner").get(pk=order.pk).shop.owner
        return services.create_delivery(
            order, actor=owner, window_start=start, window_end=start + timedelta(hours=window_hours), **kwargs
        )
