from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.agenda.models import Audience, Event


class UnitNumberField(serializers.IntegerField):
    """An RW or RT number (not a database id) in and out."""

    def get_attribute(self, instance: Event) -> int | None:
        if self.field_name == "rt":
            return instance.rt.number if instance.rt else None
        rw = instance.rw or (instance.rt.rw if instance.rt else None)
        return rw.number if rw else None


class EventSerializer(serializers.ModelSerializer[Event]):
    """Times are ISO 8601 with an offset; a time without one is read as Asia/Jakarta (WIB).
    Responses are in WIB (+07:00)."""

    audience = serializers.ChoiceField(choices=Audience.choices, default=Audience.PUBLIC)
    rw = UnitNumberField(
        min_value=1, required=False, allow_null=True, help_text=_("Nomor RW, untuk kegiatan RW dan RT.")
    )
    rt = UnitNumberField(
        min_value=1, required=False, allow_null=True, help_text=_("Nomor RT di RW tersebut, untuk kegiatan RT.")
    )
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    unit_label = serializers.CharField(read_only=True)
    ical_uid = serializers.CharField(read_only=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "uuid",
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place_name",
            "lat",
            "lng",
            "organiser",
            "audience",
            "rw",
            "rt",
            "unit_label",
            "sequence",
            "ical_uid",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "uuid", "unit_label", "sequence", "ical_uid", "created_at", "updated_at"]
