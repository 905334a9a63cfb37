"""Serializers of the laporan warga API. Public shapes carry no personal data of reporters."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from rest_framework import serializers

from apps.reports.models import Category, CategoryAttribute, Report, ReportUpdate


class AttributeSerializer(serializers.ModelSerializer[CategoryAttribute]):
    class Meta:
        model = CategoryAttribute
        fields = ["code", "description", "datatype", "datatype_description", "required", "order", "values"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer[Category]):
    agency_responsible = serializers.CharField(source="agency_name", read_only=True)
    attributes = AttributeSerializer(many=True, read_only=True)

    class Meta:
        model = Category
        fields = [
            "code",
            "name",
            "description",
            "group",
            "keywords",
            "unit",
            "agency_responsible",
            "sla_hours",
            "escalation_hours",
            "attributes",
        ]
        read_only_fields = fields


class UpdateSerializer(serializers.ModelSerializer[ReportUpdate]):
    actor = serializers.CharField(source="actor_label", read_only=True)
    # Declared, not derived from core_event's columns: their verbose names would add titles to
    # the public schema, which the timeline had before without (same shape as reports_reportupdate).
    created_at = serializers.DateTimeField(read_only=True)
    from_status = serializers.CharField(read_only=True)
    to_status = serializers.CharField(read_only=True)

    class Meta:
        model = ReportUpdate
        fields = ["created_at", "actor", "from_status", "to_status", "note"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer[Report]):
    category = serializers.CharField(source="category.code", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    open311_status = serializers.CharField(read_only=True)
    agency_responsible = serializers.CharField(source="category.agency_name", read_only=True)
    lat = serializers.FloatField(read_only=True, allow_null=True)
    lng = serializers.FloatField(read_only=True, allow_null=True)
    duplicate_of: serializers.SlugRelatedField[Report] = serializers.SlugRelatedField(slug_field="code", read_only=True)
    photos = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Report
        fields = [
            "code",
            "category",
            "category_name",
            "status",
            "status_label",
            "open311_status",
            "description",
            "attributes",
            "lat",
            "lng",
            "address",
            "support_count",
            "duplicate_of",
            "agency_responsible",
            "photos",
            "url",
            "created_at",
            "updated_at",
            "resolved_at",
        ]
        read_only_fields = fields

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path

    def get_photos(self, obj: Report) -> list[str]:
        return [self._absolute(reverse("reports:photo", args=[p.uuid])) for p in obj.photos.all()]

    def get_url(self, obj: Report) -> str:
        return self._absolute(reverse("reports:detail", args=[obj.code]))


class ReportCreateSerializer(serializers.Serializer[Any]):
    """Multipart (with photos) or JSON. Validation of meaning is the service's job."""

    category = serializers.CharField(help_text="Kode kategori (service_code)")
    description = serializers.CharField(max_length=4000)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    attributes = serializers.DictField(required=False, help_text="Jawaban pertanyaan tambahan: {kode: nilai}")
    photos = serializers.ListField(child=serializers.FileField(), required=False, max_length=10)


class ActionSerializer(serializers.Serializer[Any]):
    action = serializers.ChoiceField(
        choices=["verify", "start", "resolve", "close", "not_responsible", "duplicate", "reopen", "note"]
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    original = serializers.CharField(required=False, allow_blank=True, help_text="Untuk duplicate: kode laporan asal")


class NoteSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=2000)


class NearbySerializer(serializers.Serializer[Any]):
    distance_m = serializers.FloatField()
    report = ReportSerializer()
