"""HTMX pages of apps.notifications (mounted at /notifikasi/)."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("baca-semua/", views.read_all, name="read_all"),
    path("pengaturan/", views.preferences, name="preferences"),
]
