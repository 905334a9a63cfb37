"""HTMX pages of apps.aid (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "aid"
urlpatterns: list[URLPattern | URLResolver] = []
