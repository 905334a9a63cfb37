"""HTMX pages of apps.notifications (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "notifications"
urlpatterns: list[URLPattern | URLResolver] = []
