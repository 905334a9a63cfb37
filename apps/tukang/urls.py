"""GoTukang pages (mounted at /tukang/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "tukang"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.directory, name="directory"),
    path("daftar/", views.register, name="register"),
    path("pesan/", views.request_job, name="request"),
    path("pekerjaan/", views.my_jobs, name="my_jobs"),
    path("pekerjaan/<uuid:public_id>/", views.job_detail, name="job"),
    path("pekerjaan/<uuid:public_id>/<str:action>/", views.job_action, name="job_action"),
    path("keluhan/", views.disputes, name="disputes"),
    path("whatsapp-sandbox/", views.sandbox, name="sandbox"),
]
