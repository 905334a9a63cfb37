"""HTMX pages of apps.marketplace (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "marketplace"
urlpatterns: list[URLPattern | URLResolver] = []
