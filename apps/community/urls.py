"""HTMX pages of apps.community (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "community"
urlpatterns: list[URLPattern | URLResolver] = []
