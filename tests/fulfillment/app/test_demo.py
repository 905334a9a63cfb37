"""The antar demo: a hub at the kelurahan's point, Andi as its courier, Dewi as its operator,
three hub deliveries of Pak Joko's and one routed batch; idempotent; and whatever the hour the
seed runs at, the deliveries fall in the hub's open hours (today, or its next open day) so
kurir-andi always has a route to show."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, time, timedelta
from typing import Any

import pytest
from django.utils import timezone
from time_machine import TimeMachineFixture

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import demo
from apps.fulfillment.models import Courier, Delivery, Hub, RouteStop, RoutingJob
from apps.marketplace import demo as market_demo
from apps.payments import demo as payments_demo
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant
from tests.clock import JAKARTA, freeze, jakarta
from tests.conftest import PASSWORD
from tests.fulfillment.app.conftest import signed_in

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _fast_solver(settings: Any) -> None:
    settings.FULFILLMENT_SOLVER_SECONDS = 1.0


def _people(tenant: Tenant) -> tuple[User, User]:
    staff = create_user(username="petugas-demo", full_name="Petugas", roles=[Role.ADMIN])
    staff.is_staff = True
    staff.save(update_fields=["is_staff"])
    sri = create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM])
    joko = create_user(username="pak-joko", full_name="Joko Santoso", roles=[Role.WARGA])
    andi = create_user(username="kurir-andi", full_name="Andi", roles=[Role.KURIR], password=PASSWORD)
    dewi = create_user(username="operator-hub", full_name="Dewi", roles=[Role.OPERATOR_HUB])
    rw = RukunWarga.objects.create(number=1)
    rt1 = RukunTetangga.objects.create(rw=rw, number=1)
    RukunTetangga.objects.create(rw=rw, number=2)
    Residency.objects.create(user=sri, rt=rt1)
    Residency.objects.create(user=joko, rt=rt1)
    payments_demo.seed(tenant)
    market_demo.seed(tenant)
    return andi, dewi


def _counts() -> tuple[int, int, int, int]:
    return (Hub.objects.count(), Courier.objects.count(), Delivery.objects.count(), RoutingJob.objects.count())


@pytest.mark.parametrize(
    ("local", "planned_day_offset"),
    [(time(3, 0), 0), (time(5, 0), 0), (time(12, 0), 0), (time(18, 0), 1), (time(23, 30), 1)],
    ids=["03:00-before-opening", "05:00-before-opening", "12:00-open", "18:00-too-late-today", "23:30-after-closing"],
)
def test_seed_plans_in_open_hours_at_any_hour(
    tenant_a: Tenant,
    django_capture_on_commit_callbacks: Capture,
    time_machine: TimeMachineFixture,
    local: time,
    planned_day_offset: int,
) -> None:
    now = freeze(time_machine, jakarta(None, local))
    planned_day: date = now.astimezone(JAKARTA).date() + timedelta(days=planned_day_offset)
    with tenant_a, django_capture_on_commit_callbacks(execute=False):
        andi, dewi = _people(tenant_a)
        note = demo.seed(tenant_a)
        counts = _counts()
        assert demo.seed(tenant_a) == note  # idempotent
        assert _counts() == counts == (1, 1, 3, 1)
        hub = Hub.objects.get()
        assert hub.lat == tenant_a.lat and hub.lng == tenant_a.lng  # Mojorejo's real centre
        assert list(hub.operators.all()) == [dewi]
        assert Courier.objects.get().user == andi
        job = RoutingJob.objects.get()
        assert job.status == RoutingJob.Status.SUCCEEDED and job.orders_total == 3
        opens, closes = hub.opening_hours[str(planned_day.weekday())]
        for delivery in Delivery.objects.all():
            start, end = (timezone.localtime(delivery.window_start), timezone.localtime(delivery.window_end))
            assert start.date() == end.date() == planned_day
            assert opens <= start.strftime("%H:%M") < end.strftime("%H:%M") <= closes
            assert delivery.status == Delivery.Status.ASSIGNED
        stops = RouteStop.objects.filter(route__courier__user=andi)
        assert stops.count() == 6 and {s.route.day for s in stops} == {planned_day}
        assert "jadwal antar untuk" in note and str(planned_day.day) in note
        assert not demo.needs_refresh(tenant_a)
    page = signed_in(tenant_a, andi)
    html = page.get("/antar/kurir/").content.decode()
    assert html.count('data-testid="stop-') == 6
    if planned_day_offset:
        assert "Jadwal antar untuk" in html
    else:
        assert "Rute hari ini" in html


def test_a_stale_demo_route_needs_a_refresh(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Capture, time_machine: TimeMachineFixture
) -> None:
    freeze(time_machine, jakarta(None, time(10, 0)))
    with tenant_a, django_capture_on_commit_callbacks(execute=False):
        _people(tenant_a)
        demo.seed(tenant_a)
        assert not demo.needs_refresh(tenant_a)
        two_days_later = jakarta(timezone.now() + timedelta(days=2), time(10, 0))
        assert demo.needs_refresh(tenant_a, two_days_later)
        freeze(time_machine, two_days_later)
        demo.seed(tenant_a)  # a new day: three new orders, routed for that day
        assert Delivery.objects.count() == 6
        assert not demo.needs_refresh(tenant_a)


def test_seed_fails_loudly_without_the_demo_people(tenant_a: Tenant) -> None:
    with tenant_a:
        staff = create_user(username="petugas-demo", full_name="Petugas", roles=[Role.ADMIN])
        staff.is_staff = True
        staff.save(update_fields=["is_staff"])
        with pytest.raises(demo.DemoSeedError, match="kurir-andi"):
            demo.seed(tenant_a)
