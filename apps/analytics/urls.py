"""HTMX pages of apps.analytics (mounted at /dasbor/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "analytics"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.dashboard, name="dashboard"),
    path("ekspor/<str:fmt>/", views.export, name="export"),
    path("laporan.geojson", views.report_points, name="report_points"),
]
