"""Operator pages of apps.billing on the platform site (mounted at /operator/tagihan/)."""

from django.urls import URLPattern, URLResolver

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = []
