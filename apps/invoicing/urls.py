"""Pages of apps.invoicing (mounted at /faktur/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import opd_views, views

app_name = "invoicing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("baru/", views.new, name="new"),
    path("laporan/", views.report, name="report"),
    path("masuk/", opd_views.incoming, name="incoming"),
    path("masuk/<int:pk>/", opd_views.incoming_detail, name="incoming_detail"),
    path("opd/<str:token>/", opd_views.opd_invoice, name="opd_invoice"),
    path("opd/<str:token>/pdf/", opd_views.opd_invoice_pdf, name="opd_invoice_pdf"),
    path("opd/<str:token>/bayar/", opd_views.opd_pay, name="opd_pay"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="pdf"),
    path("<int:pk>/bayar/", views.pay, name="pay"),
    path("<int:pk>/batal/", views.cancel, name="cancel"),
    path("<int:pk>/sengketa/", views.dispute, name="dispute"),
]
