"""Tenant-site pages of apps.tenancy (the tenant's own settings), under /wilayah/."""

from django.urls import path

from . import boundaries

app_name = "wilayah"

urlpatterns = [
    path("batas/", boundaries.boundary_page, name="boundary"),
]
