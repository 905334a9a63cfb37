"""Data-as-a-Service API, mounted under /api/v1/data/ on the platform site (config/urls_public.py)."""

from django.urls import URLPattern, URLResolver

urlpatterns: list[URLPattern | URLResolver] = []
