"""HTMX pages of apps.lending (mounted at /pinjaman/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver

app_name = "lending"
urlpatterns: list[URLPattern | URLResolver] = []
