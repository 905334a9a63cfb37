"""HTMX pages of apps.permits (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "permits"
urlpatterns: list[URLPattern | URLResolver] = []
