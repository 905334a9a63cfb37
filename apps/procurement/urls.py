"""HTMX pages of apps.procurement (mounted at /pengadaan/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "procurement"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("baru/", views.new_request, name="new"),
    path("baru/baris/", views.item_row, name="item_row"),
    path("penawaran-saya/", views.my_quotes, name="mine"),
    path("transparansi/", views.transparency, name="transparency"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/penawaran/", views.quote, name="quote"),
    path("<int:pk>/penawaran/hitung/", views.quote_preview, name="quote_preview"),
    path("<int:pk>/perbandingan/", views.compare, name="compare"),
    path("<int:pk>/langkah/<slug:name>/", views.step, name="step"),
    path("<int:pk>/surat-pesanan.pdf", views.order_pdf, name="order_pdf"),
]
