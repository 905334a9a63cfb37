"""Filters of the public report list."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django_filters import rest_framework as filters

from apps.core.api.filters import DateFilter
from apps.reports import selectors
from apps.reports.models import Report


class ReportFilter(filters.FilterSet):
    """The values are read and documented here; what they mean is the selector's, which the
    report pages share."""

    category = filters.CharFilter(label="Kode kategori")
    status = filters.ChoiceFilter(choices=Report.Status.choices, label="Status internal, atau open/closed")
    date_from = DateFilter(label="Dilaporkan sejak (YYYY-MM-DD)")
    date_to = DateFilter(label="Dilaporkan sampai (YYYY-MM-DD)")

    def filter_queryset(self, queryset: QuerySet[Report]) -> QuerySet[Report]:
        data: dict[str, Any] = self.form.cleaned_data
        wanted = selectors.ReportFilter(
            category=data["category"],
            status=data["status"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
        return queryset & selectors.public_reports(wanted)
