"""Tenant-site pages of apps.tenancy (the tenant's own settings), under /wilayah/."""

from django.urls import path

from . import boundaries, office

app_name = "wilayah"

urlpatterns = [
    path("batas/", boundaries.boundary_page, name="boundary"),
    path("kantor/", office.office_page, name="office"),
]
