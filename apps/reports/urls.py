"""HTMX pages of apps.reports (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "reports"
urlpatterns: list[URLPattern | URLResolver] = []
