from django.urls import path

from . import home as views

app_name = "core"  # the URL names predate the move: {% url "core:home" %}
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("peta/batas-kelurahan.geojson", views.map_boundaries, name="map_boundaries"),
]
