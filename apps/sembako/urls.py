"""Sembako Pintar pages (mounted at /sembako/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "sembako"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.round_list, name="list"),
    path("buka/", views.open_round, name="open"),
    path("<int:pk>/", views.round_detail, name="detail"),
    path("<int:pk>/pesan/", views.order, name="order"),
    path("<int:pk>/bayar/<str:method>/", views.pay, name="pay"),
    path("<int:pk>/kelola/", views.manage, name="manage"),
    path("<int:pk>/kelola/<str:action>/", views.manage_action, name="manage_action"),
]
