"""Query budgets of the forecast lists (API and pages): the same count at n and 10n items, ≤ 12.
Forecast rows go straight in (the engine is tested in test_engine): these tests are about reading."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from apps.accounts.api_tokens import issue_token
from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.insights import services
from apps.insights.models import DemandForecast, ForecastRun, MaterialRecipe, Method
from apps.marketplace import services as market_services
from apps.marketplace.models import Category
from apps.tenancy.models import Tenant
from tests.budgets import assert_list_budget
from tests.conftest import PASSWORD, client_for
from tests.marketplace.conftest import Market, make_market, signed_in

pytestmark = pytest.mark.django_db

_serial = itertools.count(1)


@pytest.fixture
def market(in_a: Tenant) -> Market:
    return make_market(in_a)


@pytest.fixture
def run(in_a: Tenant) -> ForecastRun:
    return ForecastRun.objects.create(
        week=services.current_week(), status=ForecastRun.Status.DONE, finished_at=timezone.now()
    )


@pytest.fixture
def staff(in_a: Tenant) -> User:
    return User.objects.get(username="admin")


def _forecasts(market: Market, run: ForecastRun, owner: User | None = None) -> Callable[[int], None]:
    """Each item: a shop (of `owner`, default Bu Sri) with a forecast of four weeks in a new
    category that has a material recipe (the hub and sector pages sum and cost them)."""

    def grow(count: int) -> None:
        for _ in range(count):
            n = next(_serial)
            shop = market_services.open_shop(owner or market.sri, name=f"Warung {n}", address="Jl. Mawar 1")
            category = Category.objects.create(name=f"Kategori {n}", slug=f"kategori-{n}")
            MaterialRecipe.objects.create(category=category, material=f"Bahan {n}", quantity_per_unit=Decimal("0.5"))
            for horizon in range(1, 5):
                DemandForecast.objects.create(
                    run=run,
                    shop=shop,
                    category=category,
                    week=run.week + timedelta(weeks=horizon - 1),
                    horizon=horizon,
                    expected_units=Decimal(10 + horizon),
                    method=Method.values[0],
                    history_weeks=8,
                )

    return grow


def _api(tenant: Tenant, user: User):  # type: ignore[no-untyped-def]
    return client_for(tenant, HTTP_AUTHORIZATION=f"Token {issue_token(user).key}")


@pytest.mark.parametrize("who", ["sri", "staff"])
def test_forecasts_api(market: Market, run: ForecastRun, staff: User, who: str) -> None:
    user = staff if who == "staff" else market.sri
    client = _api(market.tenant, user)
    url = "/api/v1/insights/forecasts/?page_size=200"
    assert_list_budget(lambda: client.get(url), _forecasts(market, run))
    assert client.get(url).json()["count"] == 120


def test_runs_api(market: Market, run: ForecastRun, staff: User) -> None:
    def grow(count: int) -> None:
        oldest = ForecastRun.objects.order_by("week").first()
        assert oldest is not None
        for k in range(1, count + 1):
            ForecastRun.objects.create(week=oldest.week - timedelta(weeks=k), status=ForecastRun.Status.DONE)

    client = _api(market.tenant, staff)
    assert_list_budget(lambda: client.get("/api/v1/insights/runs/?page_size=100"), grow)
    assert client.get("/api/v1/insights/runs/?page_size=100").json()["count"] == 31


@pytest.mark.parametrize("who", ["sri", "staff"])
def test_demand_page(market: Market, run: ForecastRun, staff: User, who: str) -> None:
    user = staff if who == "staff" else market.sri
    client = signed_in(market.tenant, user)
    assert_list_budget(lambda: client.get("/wawasan/"), _forecasts(market, run))
    assert len(client.get("/wawasan/").context["cards"]) >= 30


def test_hub_page(market: Market, run: ForecastRun) -> None:
    operator = create_user(username="op-hub", full_name="Operator Hub", roles=[Role.OPERATOR_HUB], password=PASSWORD)
    client = signed_in(market.tenant, operator)
    assert_list_budget(lambda: client.get("/wawasan/hub/"), _forecasts(market, run))
    assert len(client.get("/wawasan/hub/").context["all_rows"]) == 30


def test_sectors_page(market: Market, run: ForecastRun, staff: User) -> None:
    client = signed_in(market.tenant, staff)
    assert_list_budget(lambda: client.get("/wawasan/sektor/"), _forecasts(market, run))
    assert len(client.get("/wawasan/sektor/").context["needs"]) == 30
