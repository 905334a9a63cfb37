from __future__ import annotations

from typing import Any

from rest_framework import serializers

from ..models import BazarEvent, Discount, Stall, Voucher


class BazarEventSerializer(serializers.ModelSerializer[BazarEvent]):
    class Meta:
        model = BazarEvent
        fields = [
            "id",
            "name",
            "slug",
            "description",
            "place_name",
            "starts_at",
            "ends_at",
            "grid_columns",
            "grid_rows",
            "is_published",
            "agenda_event",
        ]
        read_only_fields = ["id", "slug", "agenda_event"]


class StallSerializer(serializers.ModelSerializer[Stall]):
    shop_name = serializers.CharField(source="shop.name", read_only=True)

    class Meta:
        model = Stall
        fields = [
            "id",
            "event",
            "shop",
            "shop_name",
            "number",
            "column",
            "row",
            "discount",
            "discount_value",
            "promo_products",
        ]
        read_only_fields = fields


class StallInput(serializers.Serializer[None]):
    shop = serializers.IntegerField()
    number = serializers.IntegerField(required=False, min_value=1, max_value=900)
    column = serializers.IntegerField(required=False)
    row = serializers.IntegerField(required=False)


class PromotionInput(serializers.Serializer[None]):
    discount = serializers.ChoiceField(choices=Discount.choices)
    value = serializers.IntegerField(required=False, default=0)
    products = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)


class ShopSalesSerializer(serializers.Serializer[None]):
    shop_id = serializers.IntegerField()
    shop_name = serializers.CharField()
    stall_number = serializers.IntegerField()
    orders = serializers.IntegerField()
    sales = serializers.IntegerField()


class SalesReportSerializer(serializers.Serializer[Any]):
    orders = serializers.IntegerField()
    sales = serializers.IntegerField(help_text="Nilai penjualan barang (Rp), tanpa ongkos kirim.")
    by_shop = ShopSalesSerializer(many=True)


class VoucherSerializer(serializers.ModelSerializer[Voucher]):
    class Meta:
        model = Voucher
        fields = ["code", "value", "remaining", "expires_on", "status", "round", "created_at"]
        read_only_fields = fields


class VoucherPayoutInput(serializers.Serializer[None]):
    expires_on = serializers.DateField(required=False)


class RedeemInput(serializers.Serializer[None]):
    code = serializers.CharField(max_length=32)
    shop = serializers.IntegerField()
    amount = serializers.IntegerField(min_value=1)


class RedemptionSerializer(serializers.Serializer[Any]):
    code = serializers.CharField()
    amount = serializers.IntegerField()
    remaining = serializers.IntegerField()
    entry = serializers.UUIDField()
