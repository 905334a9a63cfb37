"""Filters of the aid API's lists (beneficiaries, enrolments, distributions and their export)."""

from __future__ import annotations

from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters

from apps.aid.models import PERIOD_REGEX, Distribution, Enrolment
from apps.core.api.filters import IdFilter


class BeneficiaryFilter(filters.FilterSet):
    q = filters.CharFilter(field_name="name", lookup_expr="icontains", label="Cari nama")


class EnrolmentFilter(filters.FilterSet):
    program = IdFilter(field_name="program__id")
    status = filters.ChoiceFilter(choices=Enrolment.Status.choices)


class DistributionFilter(filters.FilterSet):
    program = IdFilter(field_name="enrolment__program__id")
    period = filters.CharFilter(
        label="TTTT-BB",
        validators=[RegexValidator(PERIOD_REGEX, _("Periode harus berformat TTTT-BB, mis. 2026-03."))],
    )
    status = filters.ChoiceFilter(choices=Distribution.Status.choices)
