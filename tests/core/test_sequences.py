"""The shared yearly document-number counter (apps.core.sequences.YearlySequence)."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction

from apps.core.sequences import YearlySequence
from apps.permits.models import PermitSequence
from apps.procurement.models import OrderSequence
from apps.tenancy.models import Tenant


@pytest.mark.django_db
@pytest.mark.parametrize("model", [PermitSequence, OrderSequence])
def test_numbers_count_per_year_and_keep_existing_counters(tenant_a: Tenant, model: type[YearlySequence]) -> None:
    with tenant_a, transaction.atomic():
        model._default_manager.filter(year__in=(2030, 2031)).delete()
        model._default_manager.create(year=2030, last_value=41)  # a counter from before the change
        assert [model.next_value(2030), model.next_value(2030)] == [42, 43]
        assert model.next_value(2031) == 1  # a new year starts again at 1
        assert model._default_manager.get(year=2030).last_value == 43


def test_a_number_is_only_taken_inside_the_issuing_transaction() -> None:
    outside = mock.Mock(in_atomic_block=False)
    patched = mock.patch("apps.core.sequences.transaction.get_connection", return_value=outside)
    with patched, pytest.raises(RuntimeError, match="inside the issuing transaction"):
        PermitSequence.next_value(2030)
