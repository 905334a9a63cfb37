from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("peta/batas-kelurahan.geojson", views.map_boundaries, name="map_boundaries"),
]
