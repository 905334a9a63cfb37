"""Filters of the lending API's application list."""

from __future__ import annotations

from django_filters import rest_framework as filters

from apps.lending.models import ApplicationStatus


class ApplicationFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=ApplicationStatus.choices)
