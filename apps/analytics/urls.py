"""HTMX pages of apps.analytics (mounted at /dasbor/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "analytics"
urlpatterns: list[URLPattern | URLResolver] = []
