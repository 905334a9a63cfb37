"""Pages of apps.invoicing (mounted at /faktur/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "invoicing"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("baru/", views.new, name="new"),
    path("laporan/", views.report, name="report"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/pdf/", views.invoice_pdf, name="pdf"),
    path("<int:pk>/bayar/", views.pay, name="pay"),
    path("<int:pk>/batal/", views.cancel, name="cancel"),
    path("<int:pk>/sengketa/", views.dispute, name="dispute"),
]
