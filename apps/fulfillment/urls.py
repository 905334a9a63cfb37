"""HTMX pages of apps.fulfillment (mounted at /antar/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import public_views, views

app_name = "fulfillment"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.index, name="index"),
    path("kurir/", views.courier_route, name="courier"),
    path("kurir/lokasi/", views.courier_ping, name="ping"),
    path("kurir/<str:code>/ambil/", views.courier_pickup, name="pickup"),
    path("kurir/<str:code>/sampai/", views.courier_deliver, name="deliver"),
    path("kurir/<str:code>/gagal/", views.courier_fail, name="fail"),
    path("lacak/<str:code>/", views.track, name="track"),
    path("lacak/<str:code>/status/", views.track_status, name="track_status"),
    path("l/<str:token>/", public_views.public_track, name="public_track"),
    path("l/<str:token>/posisi/", public_views.public_position, name="public_position"),
    path("kirim/<int:order_id>/", views.send_order, name="send"),
    path("hub/", views.hubs, name="hubs"),
    path("hub/<slug:code>/", views.hub_detail, name="hub"),
    path("tugas/<int:pk>/", views.job_progress, name="job"),
    path("tugas/<int:pk>/ulang/", views.job_retry, name="job_retry"),
    path("kpi/", views.kpis, name="kpis"),
]
