"""HTMX pages of apps.payments (mounted in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "payments"
urlpatterns: list[URLPattern | URLResolver] = []
