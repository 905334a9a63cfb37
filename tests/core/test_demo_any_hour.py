"""The whole demo seed (`manage.py seed_demo`, what `make run` runs), with the clock at 05:00 WIB
(before the hub opens; UTC still on the day before) and at 23:30 WIB (after it closed): every
module has its demo rows, so the demo shows every module at any hour. Slow (it seeds every
module for Kota Madiun and Mojorejo); the hour-by-hour checks of the antar demo are in
tests/fulfillment/app/test_demo.py."""

from __future__ import annotations

from datetime import time
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Model
from time_machine import TimeMachineFixture

from apps.agenda.models import Event
from apps.aid.models import Distribution, Enrolment
from apps.analytics.models import DailyFact
from apps.billing.models import PlanTerms
from apps.community.models import ArisanRound, CashBookEntry, IuranPayment
from apps.core.db import connection
from apps.dataservice.models import ReleasedValue
from apps.demo import seed as demo
from apps.fulfillment.models import Delivery, RouteStop
from apps.insights.models import ForecastRun
from apps.lending.models import Loan, Offer, OfferStatus
from apps.marketplace.models import Order, Review, Shop
from apps.payments.models import Account
from apps.permits.models import Permit
from apps.procurement.models import PurchaseRequest
from apps.reports.models import Report
from apps.tenancy.models import Tenant
from tests.clock import freeze, jakarta

pytestmark = pytest.mark.django_db
# One or more rows per module (in the kelurahan's schema) that its demo pages show.
KELURAHAN_ROWS: list[type[Model]] = [
    Event,
    Permit,
    Report,
    Enrolment,
    Distribution,
    Account,
    CashBookEntry,
    IuranPayment,
    ArisanRound,
    Shop,
    Order,
    Review,
    PurchaseRequest,
    Delivery,
    RouteStop,
    Loan,
    ForecastRun,  # this week's run; no DemandForecast rows: the demo orders have no earlier weeks
]


@pytest.fixture
def demo_settings(settings: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, tenant_a: Tenant) -> None:
    settings.DEBUG = True  # the demo is only seeded with DEBUG on (apps.accounts.demo_lock)
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"  # django-tenants caches MEDIA_ROOT/<schema> until this changes
    settings.FULFILLMENT_SOLVER_SECONDS = 1.0
    # Only the kelurahan the test session already has (no region activation here).
    monkeypatch.setattr(demo, "KELURAHAN", {tenant_a.region_id: tenant_a.slug})


@pytest.mark.usefixtures("demo_settings")
@pytest.mark.parametrize("local", [time(5, 0), time(23, 30)], ids=["05:00-WIB", "23:30-WIB"])
def test_every_module_has_demo_rows_at_any_hour(
    tenant_a: Tenant, time_machine: TimeMachineFixture, local: time
) -> None:
    freeze(time_machine, jakarta(None, local))
    notes: list[str] = []
    accounts = demo.seed(notes=notes)
    assert {a.username for a in accounts} >= {"operator", "admin", "bu-sri", "kurir-andi", "bpr-madiun"}
    assert any("jadwal antar untuk" in note for note in notes)
    with tenant_a:
        empty = [model.__name__ for model in KELURAHAN_ROWS if not model.objects.exists()]
        assert empty == []
        assert Offer.objects.filter(status=OfferStatus.OPEN).exists()
        assert Delivery.objects.filter(status=Delivery.Status.ASSIGNED).exists()  # kurir-andi has a route
    connection.set_schema_to_public()
    assert DailyFact.objects.filter(tenant=tenant_a).exists()
    assert PlanTerms.objects.exists() and ReleasedValue.objects.exists()
