"""Permit numbers take the calendar year in Madiun on the real clock (no `now` passed): issued at
31 Dec 23:59:59 WIB the number ends in that year; at 00:00 WIB on 1 Jan (still 31 Dec in UTC)
it ends in the new year and its sequence starts again at 0001."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import IntegrityError, transaction
from time_machine import TimeMachineFixture

from apps.core.models import DocumentCounter
from apps.permits import services
from apps.permits.models import Permit
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze

from .conftest import People, advance, submitted_permit

pytestmark = pytest.mark.django_db
LAST_SECOND = datetime(2026, 12, 31, 23, 59, 59, tzinfo=JAKARTA)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, tzinfo=JAKARTA)


def test_the_permit_number_takes_the_year_in_madiun(
    tenant_a: Tenant, people: People, time_machine: TimeMachineFixture
) -> None:
    assert NEW_YEAR.astimezone(UTC).year == 2026
    region = tenant_a.region_id
    with tenant_a:
        freeze(time_machine, datetime(2026, 12, 31, 20, 0, tzinfo=JAKARTA))
        old, new = (advance(submitted_permit(people), people, "approved") for _ in range(2))
        freeze(time_machine, LAST_SECOND)
        old = services.take_step(old, people.admin, "issue")
        assert (old.number, old.issued_year) == (f"503/0001/{region}/2026", 2026)
        freeze(time_machine, NEW_YEAR)
        new = services.take_step(new, people.admin, "issue")
        assert (new.number, new.issued_year) == (f"503/0001/{region}/2027", 2027)
        assert new.issued_at == NEW_YEAR
        assert dict(DocumentCounter.objects.filter(kind="permit").values_list("year", "last_value")) == {
            2026: 1,
            2027: 1,
        }


def test_a_counter_that_repeats_a_number_cannot_issue_it_twice(tenant_a: Tenant, people: People) -> None:
    """The pair (year, sequence) has no unique index of its own: the number is built from it, and
    the number's unique index refuses a second permit with the same pair (schema-cost.md)."""
    with tenant_a:
        first, second = (advance(submitted_permit(people), people, "approved") for _ in range(2))
        first = services.take_step(first, people.admin, "issue")
        DocumentCounter.objects.filter(kind="permit", year=first.issued_year).update(last_value=first.sequence - 1)
        with pytest.raises(IntegrityError), transaction.atomic():
            services.take_step(second, people.admin, "issue")
        assert Permit.objects.filter(issued_year=first.issued_year, sequence=first.sequence).count() == 1
