"""Filters of the permits API's lists."""

from __future__ import annotations

from django_filters import rest_framework as filters

from apps.core.api.filters import IdFilter
from apps.permits.models import Permit


class PermitFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=Permit.Status.choices, label="Saring menurut status")


class PermitEventFilter(filters.FilterSet):
    permit = IdFilter(field_name="subject_id", label="Hanya riwayat izin ini")
