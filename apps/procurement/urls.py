"""HTMX pages of apps.procurement (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "procurement"
urlpatterns: list[URLPattern | URLResolver] = []
