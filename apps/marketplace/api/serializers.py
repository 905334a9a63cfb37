"""Serializers of the marketplace API (shapes only; every rule is in services)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.marketplace.models import DeliveryMethod, Order, OrderEvent, OrderLine, Product, Shop


class MarketShopSerializer(serializers.ModelSerializer[Shop]):
    verified = serializers.SerializerMethodField()
    delivery_methods = serializers.SerializerMethodField()

    class Meta:
        model = Shop
        fields = [
            "id",
            "slug",
            "name",
            "description",
            "address",
            "lat",
            "lng",
            "opening_hours",
            "delivery_methods",
            "own_delivery_fee",
            "verified",
        ]
        read_only_fields = fields

    def get_verified(self, shop: Shop) -> bool:
        return shop.pk in self.context.get("verified", set())

    def get_delivery_methods(self, shop: Shop) -> list[str]:
        return shop.delivery_methods()


class MarketProductSerializer(serializers.ModelSerializer[Product]):
    shop = serializers.SerializerMethodField()
    variants = serializers.SerializerMethodField()
    categories: serializers.SlugRelatedField[Any] = serializers.SlugRelatedField(
        many=True, read_only=True, slug_field="name"
    )
    price_min = serializers.IntegerField(read_only=True)
    price_max = serializers.IntegerField(read_only=True)

    class Meta:
        model = Product
        fields = ["id", "name", "description", "categories", "shop", "price_min", "price_max", "variants"]
        read_only_fields = fields

    def get_shop(self, product: Product) -> dict[str, Any]:
        return {"id": product.shop_id, "slug": product.shop.slug, "name": product.shop.name}

    def get_variants(self, product: Product) -> list[dict[str, Any]]:
        # Built flat (id, sku, name, price, available units): a nested serializer per product
        # was most of a catalogue page's time.
        available = self.context.get("available", {})
        return [
            {"id": v.pk, "sku": v.sku, "name": v.name, "price": v.price, "available": int(available.get(v.pk, 0))}
            for v in product.variants.all()
            if v.is_active
        ]


class MarketOrderItemInput(serializers.Serializer[Any]):
    variant = serializers.IntegerField(help_text="ID varian (lihat katalog)")
    quantity = serializers.IntegerField(help_text="Jumlah, lebih dari nol")


class MarketOrderInput(serializers.Serializer[Any]):
    items = MarketOrderItemInput(many=True)
    delivery_method = serializers.ChoiceField(choices=DeliveryMethod.choices, default=DeliveryMethod.PICKUP)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    lat = serializers.CharField(
        required=False, allow_blank=True, max_length=20, default="", help_text="Lintang titik antar (wajib untuk hub)"
    )
    lng = serializers.CharField(
        required=False, allow_blank=True, max_length=20, default="", help_text="Bujur titik antar (wajib untuk hub)"
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, default="")
    payment_method = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=16,
        help_text="Bila diisi, pesanan langsung dibayar: wallet (saldo KotaKitaPay), qris, atau cod "
        "(bayar tunai saat diterima); faktur: dibayar dengan faktur setelah barang sampai (pembeli usaha "
        "atau kantor kelurahan, di toko yang menerima tempo).",
    )
    voucher = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=32,
        help_text="Kode voucher UMKM milik pembeli: membayar pesanan sampai sisanya, kekurangannya dengan "
        "payment_method.",
    )


class MarketPayInput(serializers.Serializer[Any]):
    method = serializers.CharField(max_length=16, help_text="wallet, qris atau cod")


class MarketActionInput(serializers.Serializer[Any]):
    action = serializers.CharField(max_length=24, help_text="accept, pack, ship, deliver, complete, cancel atau refund")
    note = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")


class MarketOrderLineSerializer(serializers.ModelSerializer[OrderLine]):
    class Meta:
        model = OrderLine
        fields = ["variant", "sku", "product_name", "variant_name", "unit_price", "quantity", "line_total"]
        read_only_fields = fields


class MarketOrderEventSerializer(serializers.ModelSerializer[OrderEvent]):
    actor: serializers.StringRelatedField[Any] = serializers.StringRelatedField()

    class Meta:
        model = OrderEvent
        fields = ["action", "from_status", "to_status", "actor", "note", "created_at"]
        read_only_fields = fields


class MarketOrderSerializer(serializers.ModelSerializer[Order]):
    id = serializers.UUIDField(source="public_id", read_only=True)
    number = serializers.CharField(read_only=True)
    shop = serializers.SerializerMethodField()
    lines = MarketOrderLineSerializer(many=True, read_only=True)
    events = MarketOrderEventSerializer(many=True, read_only=True)
    status = serializers.CharField(
        read_only=True,
        help_text="awaiting_payment, paid, cod, accepted, packed, shipped, delivered, completed, cancelled, "
        "expired, refunded",
    )
    qris = serializers.SerializerMethodField(help_text="QRIS dinamis saat menunggu pembayaran QRIS")

    class Meta:
        model = Order
        fields = [
            "id",
            "number",
            "status",
            "shop",
            "delivery_method",
            "delivery_address",
            "note",
            "payment_method",
            "subtotal",
            "delivery_fee",
            "total",
            "voucher_amount",
            "terms_days",
            "expires_at",
            "created_at",
            "paid_at",
            "completed_at",
            "lines",
            "events",
            "qris",
        ]
        read_only_fields = fields

    def get_shop(self, order: Order) -> dict[str, Any]:
        return {"id": order.shop_id, "slug": order.shop.slug, "name": order.shop.name}

    def get_qris(self, order: Order) -> str:
        request = order.payment_request
        if order.status != Order.Status.AWAITING_PAYMENT or order.payment_method != "qris" or request is None:
            return ""
        charge = request.charges.order_by("-id").first()
        return charge.qr_string if charge is not None and charge.qr_string else request.qris_payload


class MarketCheckoutSerializer(serializers.Serializer[Any]):
    checkout = serializers.IntegerField(help_text="ID checkout (satu per kunci idempotensi)")
    replayed = serializers.BooleanField(help_text="true bila kunci ini sudah dipakai: pesanan yang sama dikembalikan")
    orders = MarketOrderSerializer(many=True)
