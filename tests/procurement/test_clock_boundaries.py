"""Surat Pesanan numbers take the calendar year in Madiun on the real clock (no `now` passed):
31 Dec 23:59:59 WIB numbers in that year, 00:00 WIB on 1 Jan (still 31 Dec in UTC) starts the
new year's sequence at 0001. (Marketplace orders are numbered PS-<id>, without a year.) The demo
seeded at 05:00 WIB (22:00 UTC the day before) dates its past request's delivery and payment in Madiun days."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from time_machine import TimeMachineFixture

from apps.core.models import DocumentCounter
from apps.demo import seed as core_demo
from apps.permits import demo as permits_demo
from apps.procurement import demo, services
from apps.procurement.models import PurchaseOrder, PurchaseRequest
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze, jakarta

from .conftest import People, awarded

pytestmark = pytest.mark.django_db
LAST_SECOND = datetime(2026, 12, 31, 23, 59, 59, tzinfo=JAKARTA)
NEW_YEAR = datetime(2027, 1, 1, 0, 0, tzinfo=JAKARTA)


def test_the_order_number_takes_the_year_in_madiun(
    tenant_a: Tenant, people: People, time_machine: TimeMachineFixture
) -> None:
    assert NEW_YEAR.astimezone(UTC).year == 2026
    region = tenant_a.region_id
    with tenant_a:
        freeze(time_machine, datetime(2026, 12, 31, 20, 0, tzinfo=JAKARTA))
        old, new = awarded(people), awarded(people)
        freeze(time_machine, LAST_SECOND)
        first = services.issue_order(old, people.petugas)
        assert (first.number, first.year) == (f"027/SP.0001/{region}/2026", 2026)
        freeze(time_machine, NEW_YEAR)
        second = services.issue_order(new, people.petugas)
        assert (second.number, second.year) == (f"027/SP.0001/{region}/2027", 2027)
        assert dict(DocumentCounter.objects.filter(kind="purchase_order").values_list("year", "last_value")) == {
            2026: 1,
            2027: 1,
        }


def test_the_demo_before_dawn_dates_its_past_request_in_madiun(
    tenant_a: Tenant, settings: Any, tmp_path: Path, time_machine: TimeMachineFixture
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    now = freeze(time_machine, jakarta(None, time(5, 0)))
    today = now.astimezone(JAKARTA).date()
    assert now.astimezone(UTC).date() == today - timedelta(days=1)
    core_demo._kelurahan_people(tenant_a)
    with tenant_a:
        permits_demo.seed(tenant_a)
        demo.seed(tenant_a)
        past = PurchaseRequest.objects.get(title=demo.PAST_TITLE)
        # Started 30 days ago, quotes closed 3 days later, delivery and acceptance 2 days after that.
        assert past.delivery_date == today - timedelta(days=25)
        accepted_at = PurchaseOrder.objects.get(request=past).accepted_at
        assert accepted_at is not None and services.local_date(accepted_at) == today - timedelta(days=25)
