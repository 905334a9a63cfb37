from __future__ import annotations

from typing import Any

from rest_framework import serializers

from apps.tukang.models import Job, Quote, Skill, Tukang


class TukangSerializer(serializers.ModelSerializer[Tukang]):
    rating = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = Tukang
        fields = [
            "id",
            "public_id",
            "name",
            "skills",
            "rws",
            "rate",
            "rate_unit",
            "available",
            "availability_note",
            "bio",
            "rating",
            "rating_count",
        ]
        read_only_fields = fields


class QuoteSerializer(serializers.ModelSerializer[Quote]):
    tukang_name = serializers.CharField(source="tukang.name", read_only=True)

    class Meta:
        model = Quote
        fields = ["id", "tukang", "tukang_name", "amount", "note", "status", "created_at"]
        read_only_fields = fields


class JobSerializer(serializers.ModelSerializer[Job]):
    class Meta:
        model = Job
        fields = [
            "id",
            "public_id",
            "skill",
            "description",
            "tukang",
            "address",
            "lat",
            "lng",
            "source",
            "status",
            "agreed_amount",
            "paid_method",
            "rating",
            "review",
            "dispute",
            "created_at",
            "done_at",
        ]
        read_only_fields = fields


class JobInputSerializer(serializers.Serializer[dict[str, Any]]):
    skill = serializers.ChoiceField(choices=Skill.choices)
    description = serializers.CharField(max_length=2000)
    tukang = serializers.IntegerField(required=False, allow_null=True)
    address = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)


class QuoteInputSerializer(serializers.Serializer[dict[str, Any]]):
    amount = serializers.IntegerField(min_value=1)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class BookInputSerializer(serializers.Serializer[dict[str, Any]]):
    quote = serializers.IntegerField()


class RateInputSerializer(serializers.Serializer[dict[str, Any]]):
    rating = serializers.IntegerField(min_value=1, max_value=5)
    review = serializers.CharField(max_length=1000, required=False, allow_blank=True)
