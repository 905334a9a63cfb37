"""Forecast pages and API: who sees what, and tenant isolation over HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from apps.accounts.models import User
from apps.accounts.roles import Role
from apps.accounts.services import create_user
from apps.insights import services
from apps.insights.models import DemandForecast
from apps.tenancy.models import Tenant
from tests.conftest import PASSWORD
from tests.filters import assert_refused
from tests.marketplace.conftest import signed_in

from .conftest import Sales

pytestmark = pytest.mark.django_db


@pytest.fixture
def hub_operator(in_a: Tenant) -> User:
    return create_user(username="op-hub", full_name="Operator Hub", roles=[Role.OPERATOR_HUB], password=PASSWORD)


@pytest.fixture
def staff(in_a: Tenant) -> User:
    return User.objects.get(username="admin")


def test_owner_sees_expected_demand_of_her_shop_with_a_chart(sales: Sales) -> None:
    services.run_forecast()
    body = signed_in(sales.market.tenant, sales.market.sri).get("/wawasan/").content.decode()
    assert "Perkiraan permintaan, 4 minggu ke depan" in body
    assert sales.market.pecel.name in body and "Makanan" in body and "Camilan" in body
    assert "<svg" in body and "<polyline" in body and "<rect" in body
    assert "Riwayat 2 minggu: perkiraan sederhana" in body
    assert 'data-testid="fallback-note"' in body
    assert "cdn" not in body.lower()


def test_owner_does_not_see_another_shop(sales: Sales) -> None:
    services.run_forecast()
    body = signed_in(sales.market.tenant, sales.market.yati).get("/wawasan/").content.decode()
    assert sales.market.pecel.name not in body
    body = signed_in(sales.market.tenant, sales.market.yati).get(f"/wawasan/?toko={sales.market.pecel.slug}")
    assert sales.market.pecel.name not in body.content.decode()


def test_pages_before_any_run_and_for_anonymous(sales: Sales) -> None:
    body = signed_in(sales.market.tenant, sales.market.sri).get("/wawasan/").content.decode()
    assert 'data-testid="no-run"' in body
    anonymous = Client(HTTP_HOST=sales.market.tenant.get_primary_domain().domain)
    assert anonymous.get("/wawasan/").status_code == 302


def test_hub_plan_is_for_hub_operators_and_staff(sales: Sales, hub_operator: User, staff: User) -> None:
    services.run_forecast()
    tenant = sales.market.tenant
    assert signed_in(tenant, sales.market.sri).get("/wawasan/hub/").status_code == 403
    for user in (hub_operator, staff):
        response = signed_in(tenant, user).get("/wawasan/hub/")
        assert response.status_code == 200
        body = response.content.decode()
        assert "Rencana stok hub" in body and "Camilan" in body and "16,0" in body


def test_sector_insights_are_for_staff(sales: Sales, hub_operator: User, staff: User) -> None:
    services.run_forecast()
    tenant = sales.market.tenant
    assert signed_in(tenant, hub_operator).get("/wawasan/sektor/").status_code == 403
    body = signed_in(tenant, staff).get("/wawasan/sektor/").content.decode()
    assert "Sektor tumbuh cepat dan kebutuhan bahan baku" in body
    assert "Makanan" in body  # in the trend table
    assert "Kategori tanpa resep bahan" in body


def test_recompute_is_for_staff(sales: Sales, staff: User, django_capture_on_commit_callbacks: object) -> None:
    tenant = sales.market.tenant
    response = signed_in(tenant, sales.market.sri).post("/wawasan/hitung/", follow=True)
    assert "Hanya petugas" in response.content.decode()
    with tenant:
        from apps.insights.models import ForecastRun

        assert not ForecastRun.objects.exists()
    client = signed_in(tenant, staff)
    with django_capture_on_commit_callbacks(execute=True):  # type: ignore[operator]
        response = client.post("/wawasan/hitung/")
    assert response.status_code == 302
    with tenant:
        run = ForecastRun.objects.get()
        assert run.trigger == "manual" and run.requested_by == staff and run.series == 2


def test_api_owner_reads_own_forecasts_only(sales: Sales, hub_operator: User) -> None:
    services.run_forecast()
    tenant = sales.market.tenant
    sri = signed_in(tenant, sales.market.sri).get("/api/v1/insights/forecasts/")
    assert sri.status_code == 200
    data = sri.json()
    results = data["results"] if isinstance(data, dict) else data
    assert len(results) == 8 and {r["shop"] for r in results} == {sales.market.pecel.pk}
    yati = signed_in(tenant, sales.market.yati).get("/api/v1/insights/forecasts/").json()
    assert (yati["results"] if isinstance(yati, dict) else yati) == []
    assert signed_in(tenant, sales.market.sri).get("/api/v1/insights/runs/").status_code == 403
    runs = signed_in(tenant, hub_operator).get("/api/v1/insights/runs/")
    assert runs.status_code == 200


def test_api_ids_of_tenant_a_do_not_resolve_in_tenant_b(sales: Sales, tenant_b: Tenant) -> None:
    services.run_forecast()
    forecast_id = DemandForecast.objects.values_list("pk", flat=True).first()
    with tenant_b:
        admin_b = User.objects.get(username="admin")
    client_b = signed_in(tenant_b, admin_b)
    assert client_b.get(f"/api/v1/insights/forecasts/{forecast_id}/").status_code == 404
    listing = client_b.get("/api/v1/insights/forecasts/").json()
    assert (listing["results"] if isinstance(listing, dict) else listing) == []
    body = client_b.get("/wawasan/hub/").content.decode()
    assert "Camilan" not in body and sales.market.pecel.name not in body


def test_api_forecasts_filter_by_run_and_shop(sales: Sales, hub_operator: User) -> None:
    earlier = services.run_forecast(services.current_week() - timedelta(days=7)).run
    latest = services.run_forecast().run
    api = signed_in(sales.market.tenant, hub_operator)

    def rows(**params: str) -> list[tuple[int, int]]:
        response = api.get("/api/v1/insights/forecasts/", {"page_size": "500", **params})
        assert response.status_code == 200, response.content
        return [(row["run"], row["shop"]) for row in response.json()["results"]]

    assert rows() and {run for run, _shop in rows()} == {latest.pk}
    assert rows(run=str(earlier.pk)) and {run for run, _shop in rows(run=str(earlier.pk))} == {earlier.pk}
    pecel = str(sales.market.pecel.pk)
    assert rows(shop=pecel) and {shop for _run, shop in rows(shop=pecel)} == {sales.market.pecel.pk}
    assert {shop for _run, shop in rows(run=str(earlier.pk), shop=pecel)} == {sales.market.pecel.pk}
    assert rows(run=str(latest.pk + earlier.pk)) == []  # no such run
    for bad in ({"run": "terbaru"}, {"shop": "1.5"}):
        assert_refused(api.get("/api/v1/insights/forecasts/", bad), *bad)


def test_staff_pages_show_names_not_slugs(sales: Sales, staff: User) -> None:
    """The hub plan, the shop forecasts and the admin's forecast rows name shops, categories and
    hubs as people call them; slugs and codes stay in URLs and the API."""
    from apps.marketplace.models import Category, StockLocation

    services.run_forecast()
    tenant = sales.market.tenant
    StockLocation.objects.create(kind=StockLocation.Kind.HUB, code="hub-uji-balai", name="Hub Balai Warga")
    categories = dict(Category.objects.values_list("name", "slug"))
    client = signed_in(tenant, staff)
    hub = client.get("/wawasan/hub/").content.decode()
    demand = client.get("/wawasan/").content.decode()
    admin = client.get("/admin/insights/demandforecast/").content.decode()
    for body in (hub, demand):
        assert "Makanan" in body and "Camilan" in body
    assert "Hub Balai Warga" in hub and "hub-uji-balai" not in hub
    assert sales.market.pecel.name in demand and sales.market.pecel.slug not in demand
    assert sales.market.pecel.name in admin and "(Selesai)" in admin and "(done)" not in admin
    for body in (hub, demand):
        for name in ("Makanan", "Camilan"):
            assert f">{categories[name]}<" not in body and f" {categories[name]} " not in body
