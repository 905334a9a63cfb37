"""HTMX pages of apps.agenda (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "agenda"
urlpatterns: list[URLPattern | URLResolver] = []
