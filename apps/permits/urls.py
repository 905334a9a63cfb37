"""HTMX pages of apps.permits (mounted at /izin/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "permits"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("ajukan/", views.apply, name="apply"),
    path("antrian/", views.queue, name="queue"),
    path("kbli/", views.kbli_search, name="kbli"),
    path("verifikasi/<str:token>/", views.verify, name="verify"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/ubah/", views.edit, name="edit"),
    path("<int:pk>/langkah/<str:action>/", views.act, name="act"),
    path("<int:pk>/nib/", views.nib, name="nib"),
    path("<int:pk>/sertifikat.pdf", views.certificate_pdf, name="certificate"),
    path("<int:pk>/berkas/<str:kind>/", views.attachment, name="attachment"),
]
