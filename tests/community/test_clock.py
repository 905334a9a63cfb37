"""Kas RT dates are Madiun dates: at 00:30 WIB on the 1st (still the last day of the previous
month in UTC) the current iuran month is the new one and today's date is not "in the future"."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from time_machine import TimeMachineFixture

from apps.community import services
from apps.core.errors import ValidationFailed
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze
from tests.factories import IuranScheduleFactory

pytestmark = pytest.mark.django_db


def test_the_month_turns_at_midnight_in_madiun(tenant_a: Tenant, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, datetime(2026, 3, 1, 0, 30, tzinfo=JAKARTA))  # 2026-02-28 17:30 UTC
    with tenant_a:
        assert services.this_month() == date(2026, 3, 1)
        assert services.parse_day("") == date(2026, 3, 1)
        assert services.parse_day("2026-03-01") == date(2026, 3, 1)
        with pytest.raises(ValidationFailed) as caught:
            services.parse_day("2026-03-02")
        assert caught.value.code == "future_date"
        schedule = IuranScheduleFactory(start_month=services.this_month())
        assert schedule.start_month == date(2026, 3, 1)
    freeze(time_machine, datetime(2026, 2, 28, 23, 59, tzinfo=JAKARTA))
    assert services.this_month() == date(2026, 2, 1)
