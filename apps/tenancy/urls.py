"""Operator pages of the tenant jobs on the platform site (mounted at /operator/)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "operator"
urlpatterns: list[URLPattern | URLResolver] = [
    path("pekerjaan/", views.jobs, name="jobs"),
    path("pekerjaan/aktivasi/", views.activation_start, name="activation_start"),
    path("pekerjaan/aktivasi/<int:pk>/", views.activation_job, name="activation_job"),
    path("pekerjaan/aktivasi/<int:pk>/lanjutkan/", views.activation_resume, name="activation_resume"),
    path("pekerjaan/tenant/<int:pk>/", views.tenant_job, name="tenant_job"),
    path("pekerjaan/tenant/<int:pk>/ulangi/", views.tenant_job_retry, name="tenant_job_retry"),
    path("tenant/<str:code>/arsipkan/", views.archive_tenant, name="archive_tenant"),
    path("tenant/<str:code>/pindahkan/", views.move_tenant, name="move_tenant"),
    path("arsip/", views.archives, name="archives"),
    path("arsip/<int:pk>/pulihkan/", views.restore, name="restore"),
]
