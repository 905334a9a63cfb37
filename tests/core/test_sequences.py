"""The document-number counters (apps.core.sequences): one table for every numbered kind."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import transaction

from apps.core.models import DocumentCounter
from apps.core.sequences import next_number
from apps.tenancy.models import Tenant


@pytest.mark.django_db
def test_numbers_count_per_kind_scope_and_year_and_keep_existing_counters(tenant_a: Tenant) -> None:
    with tenant_a, transaction.atomic():
        DocumentCounter.objects.create(kind="permit", year=2030, last_value=41)  # a counter from before
        assert [next_number("permit", 2030), next_number("permit", 2030)] == [42, 43]
        assert next_number("permit", 2031) == 1  # a new year starts again at 1
        assert next_number("purchase_order", 2030) == 1  # another kind has its own series
        assert [next_number("invoice", 2030, scope="7"), next_number("invoice", 2030, scope="8")] == [1, 1]
        assert next_number("invoice", 2030, scope="7") == 2
        assert DocumentCounter.objects.get(kind="permit", year=2030).last_value == 43


@pytest.mark.django_db
def test_counters_are_per_tenant(tenant_a: Tenant, tenant_b: Tenant) -> None:
    with tenant_a, transaction.atomic():
        assert next_number("test-kind", 2030) == 1
        with tenant_b:
            assert next_number("test-kind", 2030) == 1


def test_a_number_is_only_taken_inside_the_issuing_transaction() -> None:
    outside = mock.Mock(in_atomic_block=False)
    patched = mock.patch("apps.core.sequences.transaction.get_connection", return_value=outside)
    with patched, pytest.raises(RuntimeError, match="inside the issuing transaction"):
        next_number("permit", 2030)
