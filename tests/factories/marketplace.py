"""Pasar UMKM: shops, products (one variant with stock) and orders, made through the marketplace
services (a shop gets its stock location and settlement account, stock is a Stock row the
reservations use, an order is placed, paid and moved along its real lifecycle)."""

from __future__ import annotations

from typing import Any

import factory

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.marketplace import services
from apps.marketplace.models import Order, Shop, Variant

from .accounts import UserFactory
from .base import ServiceFactory, unique_key

# How far `OrderFactory(status=...)` takes an order after it is placed and paid.
_STEPS = {"placed": [], "paid": [], "accepted": ["accept"], "packed": ["accept", "pack"]}


class ShopFactory(ServiceFactory):
    """A UMKM owner's shop (the owner is made unless given); extra keywords go to `open_shop`
    (lat/lng, offers_hub_delivery, offers_own_delivery, own_delivery_fee, ...)."""

    class Meta:
        model = Shop

    owner = factory.SubFactory(UserFactory, roles=[Role.PEMILIK_UMKM])
    name = factory.Sequence(lambda n: f"Warung Uji {n}")
    address = factory.Faker("street_address", locale="id_ID")

    @classmethod
    def _service(cls, *, owner: User, **kwargs: Any) -> Shop:
        return services.open_shop(owner, **kwargs)


class VariantFactory(ServiceFactory):
    """A product with one variant (price, stock) in a shop; returns the Variant (its product is
    `variant.product`, the shop `variant.product.shop`)."""

    class Meta:
        model = Variant

    shop = factory.SubFactory(ShopFactory)
    name = factory.Sequence(lambda n: f"Produk uji {n}")
    sku = factory.Sequence(lambda n: f"SKU-{n:05d}")
    price = 12_000
    stock = 30
    categories: Any = ()

    @classmethod
    def _service(cls, *, shop: Shop, name: str, sku: str, price: int, stock: int, **extra: Any) -> Variant:
        product = services.create_product(
            shop, shop.owner, name=name, variants=[services.VariantSpec(sku=sku, price=price, stock=stock)], **extra
        )
        return product.variants.get()


class OrderFactory(ServiceFactory):
    """An order of `quantity` × `variant` by `buyer`, placed (`payment_method=""`) or paid
    ("cod", "wallet", ...) and taken to `status` ("placed", "paid", "accepted", "packed") by the
    shop owner, all through the services."""

    class Meta:
        model = Order

    buyer = factory.SubFactory(UserFactory)
    variant = factory.SubFactory(VariantFactory)
    quantity = 1
    delivery = "pickup"
    address = factory.Faker("street_address", locale="id_ID")
    lat: Any = None  # the buyer's map point; hub delivery needs one
    lng: Any = None
    payment_method = "cod"
    status = "paid"

    @classmethod
    def _service(
        cls,
        *,
        buyer: User,
        variant: Variant,
        quantity: int,
        delivery: str,
        address: str,
        lat: Any,
        lng: Any,
        payment_method: str,
        status: str,
    ) -> Order:
        if status not in _STEPS:
            raise ValueError(f"OrderFactory: unknown status {status!r}; one of {sorted(_STEPS)}")
        if status != "placed" and not payment_method:
            raise ValueError("OrderFactory: a paid order needs a payment_method")
        order = services.place_orders(
            buyer,
            [(variant.pk, quantity)],
            idempotency_key=unique_key("order"),
            delivery=delivery,
            address=address,
            lat=lat,
            lng=lng,
        ).orders[0]
        if status != "placed":
            services.pay_order(order, payment_method, payer=buyer, idempotency_key=unique_key("pay"))
        owner = Shop.objects.get(pk=order.shop_id).owner
        for action in _STEPS[status]:
            order = services.transition(order, action, actor=owner)
        return Order.objects.get(pk=order.pk)
