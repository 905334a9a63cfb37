"""Filters of the agenda API's event list."""

from __future__ import annotations

from datetime import date, datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from apps.agenda.models import Audience, Event
from apps.core.api.filters import DateFilter


def _local(day: date, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at))


class EventFilter(filters.FilterSet):
    # `from` is a Python keyword: the class namespace takes it under its documented name.
    vars()["from"] = DateFilter(method="overlapping_from", label="Tanggal awal (TTTT-BB-HH), termasuk")
    to = DateFilter(method="overlapping_to", label="Tanggal akhir (TTTT-BB-HH), termasuk")
    audience = filters.ChoiceFilter(choices=Audience.choices)

    def overlapping_from(self, queryset: QuerySet[Event], name: str, value: date) -> QuerySet[Event]:
        """Events still running on or after that day."""
        return queryset.filter(ends_at__gt=_local(value, time.min))

    def overlapping_to(self, queryset: QuerySet[Event], name: str, value: date) -> QuerySet[Event]:
        """Events that start on or before that day."""
        return queryset.filter(starts_at__lt=_local(value, time.max))
