"""Data-as-a-Service API, mounted under /api/v1/data/ on the platform site (config/urls_public.py)."""

from django.urls import URLPattern, URLResolver, path

from .views import BudgetView, CatalogueView, QueryView, UsageView

urlpatterns: list[URLPattern | URLResolver] = [
    path("indicators/", CatalogueView.as_view(), name="data-indicators"),
    path("query/", QueryView.as_view(), name="data-query"),
    path("usage/", UsageView.as_view(), name="data-usage"),
    path("budget/", BudgetView.as_view(), name="data-budget"),
]
