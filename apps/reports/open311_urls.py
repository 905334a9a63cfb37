"""Open311 GeoReport v2, mounted at /open311/v2/ in config/urls_tenant.py."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
