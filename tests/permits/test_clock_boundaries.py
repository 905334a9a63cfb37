"""Permit numbers take the calendar year in Madiun on the real clock (no `now` passed): issued at
31 Dec 23:59:59 WIB the number ends in that year; at 00:00 WIB on 1 Jan (still 31 Dec in UTC)
it ends in the new year and its sequence starts again at 0001."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from time_machine import TimeMachineFixture

from apps.core.models import DocumentCounter
from apps.permits import services
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
