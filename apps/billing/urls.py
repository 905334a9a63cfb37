"""Operator pages of apps.billing on the platform site (mounted at /operator/tagihan/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "billing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.revenue, name="revenue"),
    path("ekspor.csv", views.export_csv, name="export"),
    path("terbitkan/", views.issue, name="issue"),
    path("<int:pk>/", views.invoice_detail, name="invoice"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="pdf"),
    path("<int:pk>/lunas/", views.pay, name="pay"),
    path("<int:pk>/batal/", views.void, name="void"),
    path("<int:pk>/revisi/", views.revise, name="revise"),
]
