"""The insights demo: recipes for the demo categories and this week's forecast, idempotent."""

from __future__ import annotations

import pytest

from apps.insights import demo
from apps.insights.models import ForecastRun, MaterialRecipe
from apps.tenancy.models import Tenant

from .conftest import Sales

pytestmark = pytest.mark.django_db


def test_demo_seeds_recipes_and_a_forecast(sales: Sales) -> None:
    demo.seed(sales.market.tenant)
    assert MaterialRecipe.objects.filter(category__name="Makanan", material="Beras Medium").exists()
    run = ForecastRun.objects.get()
    assert run.series == 2
    recipes = MaterialRecipe.objects.count()
    demo.seed(sales.market.tenant)
    assert MaterialRecipe.objects.count() == recipes and ForecastRun.objects.count() == 1


def test_demo_skips_the_kota(tenants: object, db: None) -> None:
    kota = Tenant.objects.get(schema_name="kota_3577")
    with kota:
        demo.seed(kota)
        assert not ForecastRun.objects.exists()
