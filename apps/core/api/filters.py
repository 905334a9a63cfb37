"""List filtering for the whole API: django-filter FilterSets (one `api/filters.py` per app), run
by the one backend set in REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"].

A value a filter cannot read (a date that is no date, a status that does not exist, a word
where an id goes) answers 400 `invalid_filter`, its message in the request's language and the
reason per parameter in `details`; it never falls through to an empty list or a 500. The
filters below read values strictly (ISO dates only, whole numbers for ids, booleans spelled
one of four ways) so the same URL means the same thing in every language.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from rest_framework.request import Request

from apps.core.errors import DomainError

ISO_DATE = "%Y-%m-%d"


class InvalidFilter(DomainError):
    status_code = 400
    code = "invalid_filter"

    def __init__(self, reasons: dict[str, list[str]]) -> None:
        super().__init__(_("Parameter penyaringan tidak valid."))
        self.details = reasons  # per parameter; not keyword arguments, a filter may be called "code"


class FilterBackend(filters.DjangoFilterBackend):
    """django-filter's backend, answering an unreadable value in the API's error format.

    A viewset's FilterSet narrows its list and the actions named in its `filterset_actions`
    (an export of the same list, say), not its detail routes and other actions: a list
    parameter left in their URL would make them answer 404 or 400, and drf-spectacular would
    document the list's filters on every action that returns many rows."""

    def get_filterset_class(self, view: Any, queryset: QuerySet[Any] | None = None) -> Any:
        action = getattr(view, "action", None)
        if action is not None and action not in getattr(view, "filterset_actions", ("list",)):
            return None
        return super().get_filterset_class(view, queryset)

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid():
            reasons = {name: [str(message) for message in messages] for name, messages in filterset.errors.items()}
            raise InvalidFilter(reasons)
        return filterset.qs


class DateFilter(filters.DateFilter):
    """A calendar day as YYYY-MM-DD, whatever the request's language (Django's date field also
    reads the locale's formats, where 01/02/2026 is a different day in `id` and in `en`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("input_formats", [ISO_DATE])
        kwargs.setdefault("error_messages", {"invalid": _("Tanggal harus berformat TTTT-BB-HH, mis. 2026-03-01.")})
        super().__init__(*args, **kwargs)


class IdFilter(filters.NumberFilter):
    """A row id: a whole number (NumberFilter reads 1.5, which an integer column rounds to 1)."""

    field_class = forms.IntegerField


class StrictBooleanField(forms.NullBooleanField):
    def to_python(self, value: Any) -> bool | None:  # type: ignore[override]
        if value in (None, ""):
            return None
        if isinstance(value, bool):
            return value
        spelled = str(value).lower()
        if spelled in ("1", "true"):
            return True
        if spelled in ("0", "false"):
            return False
        raise ValidationError(_("Isi true atau false (atau 1 atau 0)."), code="invalid")

    def validate(self, value: bool | None) -> None:
        pass  # any of True, False and "not given" is fine once read


class BooleanFilter(filters.BooleanFilter):
    """true/false or 1/0; anything else is refused instead of being read as "not given"."""

    field_class = StrictBooleanField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)
