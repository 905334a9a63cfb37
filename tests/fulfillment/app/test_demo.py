"""The antar demo: a hub at the kelurahan's point, Andi as its courier, Dewi as its operator,
three hub deliveries of Pak Joko's and one routed batch; idempotent."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.fulfillment import demo
from apps.fulfillment.models import Courier, Delivery, Hub, RoutingJob
from apps.marketplace import demo as market_demo
from apps.payments import demo as payments_demo
from apps.rtrw.models import Residency, RukunTetangga, RukunWarga
from apps.tenancy.models import Tenant

pytestmark = pytest.mark.django_db
Capture = Callable[..., AbstractContextManager[Any]]


@pytest.fixture(autouse=True)
def _opening_hours_always(settings: Any) -> None:
    settings.FULFILLMENT_SOLVER_SECONDS = 1.0


def test_seed_is_complete_and_idempotent(
    tenant_a: Tenant, django_capture_on_commit_callbacks: Capture, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The demo hub opens 07:00-21:00; tests may run at night.
    monkeypatch.setattr("apps.fulfillment.services.is_open", lambda hub, at: True)
    with tenant_a, django_capture_on_commit_callbacks(execute=False):
        sri = create_user(username="bu-sri", full_name="Sri Rahayu", roles=[Role.PEMILIK_UMKM])
        joko = create_user(username="pak-joko", full_name="Joko Santoso", roles=[Role.WARGA])
        andi = create_user(username="kurir-andi", full_name="Andi", roles=[Role.KURIR])
        dewi = create_user(username="operator-hub", full_name="Dewi", roles=[Role.OPERATOR_HUB])
        rw = RukunWarga.objects.create(number=1)
        rt1 = RukunTetangga.objects.create(rw=rw, number=1)
        RukunTetangga.objects.create(rw=rw, number=2)
        Residency.objects.create(user=sri, rt=rt1)
        Residency.objects.create(user=joko, rt=rt1)
        payments_demo.seed(tenant_a)
        market_demo.seed(tenant_a)
        demo.seed(tenant_a)
        counts = (Hub.objects.count(), Courier.objects.count(), Delivery.objects.count(), RoutingJob.objects.count())
        demo.seed(tenant_a)
        assert (
            (
                Hub.objects.count(),
                Courier.objects.count(),
                Delivery.objects.count(),
                RoutingJob.objects.count(),
            )
            == counts
            == (1, 1, 3, 1)
        )
        hub = Hub.objects.get()
        assert hub.lat == tenant_a.lat and hub.lng == tenant_a.lng  # Mojorejo's real centre
        assert list(hub.operators.all()) == [dewi]
        assert Courier.objects.get().user == andi
        job = RoutingJob.objects.get()
        assert job.status == RoutingJob.Status.SUCCEEDED and job.orders_total == 3
        assert {d.order.buyer for d in Delivery.objects.all()} == {joko}
