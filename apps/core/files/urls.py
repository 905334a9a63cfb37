"""Mounted on tenant hosts only (config/urls_tenant.py): the platform host serves no tenant file."""

from django.urls import path

from . import views

app_name = "files"
urlpatterns = [
    path("media/<path:name>", views.public_file, name="public"),
    path("berkas/n/<path:name>", views.private_file_by_name, name="private-by-name"),
    path("berkas/<str:app_label>/<str:model_name>/<str:pk>/<str:field>/", views.private_file, name="private"),
]
