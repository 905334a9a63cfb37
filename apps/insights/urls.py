"""HTMX pages of apps.insights (mounted at /wawasan/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "insights"
urlpatterns: list[URLPattern | URLResolver] = []
