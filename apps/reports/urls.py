"""HTMX pages of apps.reports (mounted at /laporan/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path, re_path

from . import views

app_name = "reports"
_CODE = r"(?P<code>LP-[A-Za-z0-9]{4,12})"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.report_list, name="list"),
    path("peta/", views.report_map, name="map"),
    path("peta/data.geojson", views.report_geojson, name="geojson"),
    path("baru/", views.new_report, name="new"),
    path("baru/serupa/", views.similar, name="similar"),
    path("baru/pertanyaan/", views.attribute_fields, name="attribute_fields"),
    path("saya/", views.mine, name="mine"),
    path("lacak/", views.find, name="find"),
    path("lacak/<str:token>/", views.track, name="track"),
    path("petugas/", views.staff_queue, name="staff"),
    path("foto/<uuid:uuid>/", views.photo, name="photo"),
    re_path(rf"^{_CODE}/$", views.detail, name="detail"),
    re_path(rf"^{_CODE}/status/$", views.live, name="live"),
    re_path(rf"^{_CODE}/saya-juga/$", views.me_too, name="me_too"),
    re_path(rf"^{_CODE}/tindakan/$", views.act, name="act"),
]
