"""Forecast runs from marketplace orders: series, fallbacks, idempotency, task, isolation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from apps.core.errors import Forbidden, ValidationFailed
from apps.insights import selectors, services, tasks
from apps.insights.models import DemandForecast, ForecastRun, MaterialRecipe
from apps.marketplace.models import Category
from apps.tenancy.models import Tenant

from .conftest import Sales

pytestmark = pytest.mark.django_db


def test_weekly_history_counts_sold_units_per_shop_category_and_week(sales: Sales) -> None:
    m = sales.market
    history = services.weekly_history(sales.origin)
    makanan = Category.objects.get(name="Makanan").pk
    camilan = Category.objects.get(name="Camilan").pk
    nasi = history[history["series"] == f"{m.pecel.pk}:{makanan}"]
    assert list(nasi["demand"]) == [float(10 + i) for i in range(16)]
    assert set(nasi["week"].dt.day_of_week) == {0}
    keripik = history[history["series"] == f"{m.pecel.pk}:{camilan}"]
    assert list(keripik["demand"]) == [3.0, 5.0]  # the cancelled 500 is not a sale
    assert m.oleh.pk not in set(history["shop"])


def test_run_uses_the_model_for_long_series_and_says_when_it_falls_back(sales: Sales) -> None:
    m = sales.market
    outcome = services.run_forecast()
    run = outcome.run
    assert outcome.computed and run.status == ForecastRun.Status.DONE and run.week == sales.origin
    assert (run.series, run.model_series) == (2, 1) and run.uses_fallback
    assert run.history_weeks == 16
    rows = DemandForecast.objects.filter(run=run)
    assert rows.count() == 8
    nasi = list(rows.filter(category__name="Makanan").order_by("week"))
    assert [r.week for r in nasi] == [sales.origin + timedelta(weeks=k) for k in range(4)]
    assert {r.method for r in nasi} == {"xgboost"} and all(r.shop_id == m.pecel.pk for r in nasi)
    assert all(Decimal("10") <= r.expected_units <= Decimal("40") for r in nasi)
    keripik = list(rows.filter(category__name="Camilan"))
    assert {(r.method, r.expected_units, r.history_weeks) for r in keripik} == {("recent_mean", Decimal("4.00"), 2)}


def test_run_is_idempotent_per_week_unless_forced(sales: Sales) -> None:
    first = services.run_forecast().run
    ids = set(DemandForecast.objects.filter(run=first).values_list("pk", flat=True))
    again = services.run_forecast(sales.origin + timedelta(days=3))  # any day of the same week
    assert not again.computed and again.run.pk == first.pk
    assert set(DemandForecast.objects.filter(run=first).values_list("pk", flat=True)) == ids
    forced = services.run_forecast(force=True)
    assert forced.computed and ForecastRun.objects.count() == 1
    assert DemandForecast.objects.filter(run=first).count() == len(ids)
    assert not ids & set(DemandForecast.objects.filter(run=first).values_list("pk", flat=True))


def test_bad_requests_are_refused(sales: Sales) -> None:
    with pytest.raises(ValidationFailed):
        services.run_forecast(sales.origin + timedelta(weeks=1))
    with pytest.raises(ValidationFailed):
        services.run_forecast("minggu depan")
    with pytest.raises(Forbidden):
        services.run_forecast(force=True, actor=sales.market.sri)
    assert not ForecastRun.objects.exists()


def test_an_empty_marketplace_gives_an_empty_run(in_a: Tenant) -> None:
    run = services.run_forecast().run
    assert run.status == ForecastRun.Status.DONE and run.series == 0 and "no_history" in run.notes


def test_task_fans_out_to_every_tenant_and_is_idempotent(sales: Sales, tenant_b: Tenant) -> None:
    from apps.core.db import connection

    connection.set_schema_to_public()
    queued = tasks.forecast_everywhere.delay().get()
    assert queued >= 3  # kota, Mojorejo, Pandean (and any other active tenant)
    with sales.market.tenant:
        assert ForecastRun.objects.count() == 1
        assert DemandForecast.objects.count() == 8
        assert tasks.forecast.delay().get()["computed"] is False
    with tenant_b:
        assert ForecastRun.objects.get().series == 0


def test_hub_plan_and_material_needs(sales: Sales) -> None:
    m = sales.market
    run = services.run_forecast().run
    weeks, rows = selectors.hub_plan(run, hub_delivery_only=False)
    assert len(weeks) == 4 and {r.category for r in rows} == {"Makanan", "Camilan"}
    camilan = next(r for r in rows if r.category == "Camilan")
    assert camilan.units == [Decimal("4.00")] * 4 and camilan.total == Decimal("16.00")
    assert selectors.hub_plan(run, hub_delivery_only=True)[1] == []  # Bu Sri's shop has no hub delivery
    services.set_recipe(Category.objects.get(name="Camilan"), "Kedelai", quantity_per_unit="0.125", unit_price=12_000)
    weeks, needs, missing = selectors.material_plan(run)
    kedelai = next(n for n in needs if n.material == "Kedelai")
    assert kedelai.weeks == [0.5] * 4 and kedelai.total == 2.0
    assert kedelai.cost == 4 * 6_000  # 0.5 kg x Rp12.000 per week
    assert missing == ["Makanan"]
    assert m.pecel.offers_hub_delivery is False


def test_recipe_validation(in_a: Tenant) -> None:
    cat = Category.objects.create(name="Minuman", slug="minuman")
    for qty, price in (("0", None), ("-1", None), ("abc", None), ("1", -5), ("1", "mahal")):
        with pytest.raises(ValidationFailed):
            services.set_recipe(cat, "Kopi", quantity_per_unit=qty, unit_price=price)
    with pytest.raises(ValidationFailed):
        services.set_recipe(cat, "  ", quantity_per_unit="1")
    assert not MaterialRecipe.objects.exists()


def test_forecasts_of_tenant_a_are_invisible_in_tenant_b(sales: Sales, tenant_b: Tenant) -> None:
    run = services.run_forecast().run
    assert DemandForecast.objects.filter(run=run).count() == 8
    with tenant_b:
        assert not ForecastRun.objects.exists()
        assert not DemandForecast.objects.exists()
        assert not MaterialRecipe.objects.exists()
