"""The calendar opens on Madiun's month and day: at 00:30 WIB on 1 March (still 28 February in
UTC) it shows March, marks the 1st as today and lists that morning's event."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from time_machine import TimeMachineFixture

from apps.tenancy.models import Tenant
from tests.agenda.conftest import login
from tests.clock import JAKARTA, freeze
from tests.conftest import client_for
from tests.factories import EventFactory

pytestmark = pytest.mark.django_db


def test_the_calendar_opens_on_the_local_month(tenant_a: Tenant, time_machine: TimeMachineFixture) -> None:
    freeze(time_machine, datetime(2026, 3, 1, 0, 30, tzinfo=JAKARTA))
    with tenant_a:
        event = EventFactory(
            title="Senam pagi",
            starts_at=datetime(2026, 3, 1, 6, 0, tzinfo=JAKARTA),
            ends_at=datetime(2026, 3, 1, 7, 0, tzinfo=JAKARTA),
        )
    response = login(client_for(tenant_a)).get("/agenda/")
    assert response.status_code == 200
    assert response.context["month"] == date(2026, 3, 1)
    assert response.context["today"] == date(2026, 3, 1)
    assert event in response.context["events"]
    assert "Senam pagi" in response.content.decode()
