"""The completion transitions of the other apps ask their user once, after commit: a permit
issued, a report resolved, an order delivered (the loan's disbursement and a finished tukang job call
the same hook; tests/tukang/test_services.py)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from apps.feedback.models import Kind, Prompt
from apps.marketplace import services as marketplace
from apps.reports import services as reports
from apps.tenancy.models import Tenant
from tests.marketplace.conftest import Market, key, make_market
from tests.permits.conftest import advance, make_people, submitted_permit
from tests.reports.conftest import World, make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(tenant_a: Tenant, db: None) -> Iterator[World]:
    with tenant_a:
        yield make_world(tenant_a)


@pytest.fixture
def market(tenant_a: Tenant, db: None) -> Iterator[Market]:
    with tenant_a:
        yield make_market(tenant_a)


def test_a_resolved_report_asks_its_reporter(
    world: World,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = world.file()
    with django_capture_on_commit_callbacks(execute=True):
        reports.resolve(report, world.lurah, "Sudah diangkut")
    prompt = Prompt.objects.get(kind=Kind.REPORT, user=world.warga)
    assert (prompt.user, prompt.event_key, prompt.url) == (world.warga, str(report.pk), f"/laporan/{report.code}/")


def test_an_issued_permit_asks_its_applicant(
    tenant_a: Tenant, settings: Any, tmp_path: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MULTITENANT_RELATIVE_MEDIA_ROOT = "%s"
    with tenant_a:
        people = make_people()
        with django_capture_on_commit_callbacks(execute=True):
            permit = advance(submitted_permit(people), people, "issued")
        assert list(Prompt.objects.filter(kind=Kind.PERMIT, user=people.owner).values_list("user", "event_key")) == [
            (people.owner.pk, str(permit.pk))
        ]


def test_a_delivered_order_asks_its_buyer_once(market: Market, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        order = marketplace.place_orders(market.joko, [(market.nasi.pk, 1)], idempotency_key=key()).orders[0]
        marketplace.pay_order(order, "cod", payer=market.joko, idempotency_key=key())
        for action in ("accept", "pack", "ship", "deliver"):
            order = marketplace.transition(order, action, actor=market.sri)
    with django_capture_on_commit_callbacks(execute=True):
        marketplace.transition(order, "complete", actor=market.joko)  # completing asks nothing more
    assert list(Prompt.objects.filter(kind=Kind.ORDER, user=market.joko).values_list("user", "event_key")) == [
        (market.joko.pk, str(order.pk))
    ]


def test_a_rolled_back_transition_asks_nothing(world: World, django_capture_on_commit_callbacks: Any) -> None:
    report = world.file()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        reports.resolve(report, world.lurah, "Sudah diangkut")
    # The callbacks never ran (as when the transaction rolls back): nothing asked.
    assert callbacks and not Prompt.objects.filter(user=world.warga).exists()
