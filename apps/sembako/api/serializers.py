from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.sembako.models import HouseholdOrder, Round
from apps.sembako.selectors import PricedItem


class RoundSerializer(serializers.ModelSerializer[Round]):
    rw = serializers.IntegerField(source="rw.number", read_only=True, allow_null=True, default=None)
    hub_name = serializers.CharField(source="hub.name", read_only=True)

    class Meta:
        model = Round
        fields = ["id", "title", "rw", "status", "closes_at", "hub", "hub_name", "offers_delivery", "aid_program"]
        read_only_fields = fields


class PricedItemSerializer(serializers.Serializer[PricedItem]):
    id = serializers.IntegerField(source="item.pk")
    name = serializers.CharField(source="item.name")
    unit = serializers.CharField(source="item.unit")
    price = serializers.IntegerField(source="item.price")
    variant = serializers.IntegerField(source="item.variant_id", allow_null=True)
    cap = serializers.IntegerField(source="item.cap", allow_null=True)
    ordered = serializers.IntegerField(source="item.ordered")
    market_price = serializers.IntegerField(allow_null=True)
    market_area = serializers.CharField()
    saving = serializers.IntegerField(allow_null=True)


class RoundDetailSerializer(RoundSerializer):
    items = serializers.SerializerMethodField()

    class Meta(RoundSerializer.Meta):
        fields = [*RoundSerializer.Meta.fields, "items", "purchase_note"]
        read_only_fields = fields

    def get_items(self, round: Round) -> list[dict[str, Any]]:
        priced = self.context.get("priced", [])
        return list(PricedItemSerializer(priced, many=True).data)


class ItemInputSerializer(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    unit = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    price = serializers.IntegerField(min_value=1, max_value=10_000_000)
    variant = serializers.IntegerField(required=False, allow_null=True, default=None)
    commodity = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    cap = serializers.IntegerField(min_value=1, max_value=100_000, required=False, allow_null=True, default=None)


class RoundInputSerializer(serializers.Serializer[Any]):
    title = serializers.CharField(max_length=120)
    closes_at = serializers.DateTimeField()
    hub = serializers.IntegerField()
    rw = serializers.IntegerField(required=False, allow_null=True, default=None)
    offers_delivery = serializers.BooleanField(required=False, default=True)
    aid_program = serializers.IntegerField(required=False, allow_null=True, default=None)
    items = ItemInputSerializer(many=True)


class LineSerializer(serializers.Serializer[Any]):
    item = serializers.IntegerField()
    name = serializers.CharField()
    unit = serializers.CharField()
    quantity = serializers.IntegerField()
    price = serializers.IntegerField()


class HouseholdOrderSerializer(serializers.ModelSerializer[HouseholdOrder]):
    lines = LineSerializer(many=True, read_only=True)
    bill = serializers.UUIDField(source="payment_request.public_id", read_only=True, allow_null=True, default=None)

    class Meta:
        model = HouseholdOrder
        fields = [
            "id",
            "round",
            "lines",
            "total",
            "status",
            "paid_method",
            "fulfilment",
            "address",
            "bill",
            "created_at",
        ]
        read_only_fields = fields


class OrderInputSerializer(serializers.Serializer[Any]):
    quantities = serializers.DictField(child=serializers.IntegerField(min_value=0, max_value=50))
    fulfilment = serializers.ChoiceField(choices=HouseholdOrder.Fulfilment.choices, default="pickup")
    address = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True, default=None)
