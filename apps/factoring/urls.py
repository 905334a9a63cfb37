"""Pages of apps.factoring (mounted at /pembiayaan/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "factoring"
urlpatterns: list[URLPattern | URLResolver] = [
    path("faktur/<int:pk>/", views.invoice, name="invoice"),
    path("faktur/<int:pk>/terima/", views.accept, name="accept"),
    path("petugas/", views.officer, name="officer"),
    path("petugas/<int:pk>/gagal-bayar/", views.mark_default, name="mark_default"),
]
