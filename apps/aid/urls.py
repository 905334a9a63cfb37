"""HTMX pages of apps.aid (mounted at /bansos/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "aid"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.programs, name="programs"),
    path("program/<int:pk>/", views.program_detail, name="program"),
    path("program/<int:pk>/daftarkan/", views.enrol, name="enrol"),
    path("program/<int:pk>/rencana/", views.plan, name="plan"),
    path("kepesertaan/<int:pk>/cabut/", views.withdraw, name="withdraw"),
    path("impor/", views.import_upload, name="import"),
    path("impor/<uuid:uuid>/", views.import_preview, name="import_preview"),
    path("impor/<uuid:uuid>/konfirmasi/", views.import_confirm, name="import_confirm"),
    path("impor/<uuid:uuid>/batal/", views.import_discard, name="import_discard"),
    path("penyaluran/", views.distributions, name="distributions"),
    path("penyaluran/ekspor/", views.export, name="export"),
    path("penyaluran/<int:pk>/salurkan/", views.distribute, name="distribute"),
    path("penyaluran/<int:pk>/gagal/", views.fail, name="fail"),
    path("penyaluran/<int:pk>/bukti/", views.proof, name="proof"),
    path("konflik/", views.conflicts, name="conflicts"),
]
