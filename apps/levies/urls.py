"""The kota finance office's pages (mounted at /retribusi/; 404 outside a kota tenant)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "levies"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.register, name="register"),
    path("terbit/", views.issue, name="issue"),
    path("unggah/", views.upload, name="upload"),
    path("<int:pk>/tunai/", views.record_cash, name="record_cash"),
    path("<int:pk>/batal/", views.cancel, name="cancel"),
    path("laporan.<str:fmt>", views.report, name="report"),
]
