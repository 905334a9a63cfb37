"""HTMX pages of apps.insights (mounted at /wawasan/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "insights"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.demand, name="demand"),
    path("hub/", views.hub, name="hub"),
    path("sektor/", views.sectors, name="sectors"),
    path("hitung/", views.recompute, name="recompute"),
]
