"""HTMX pages of apps.fulfillment (mounted at /antar/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "fulfillment"
urlpatterns: list[URLPattern | URLResolver] = []
