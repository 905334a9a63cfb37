"""HTMX pages and iCal feeds of apps.agenda (mounted at /agenda/ in config/urls_tenant.py)."""

from django.urls import URLPattern, URLResolver, path

from . import views

app_name = "agenda"
urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.calendar_page, name="calendar"),
    path("baru/", views.event_new, name="new"),
    path("<int:pk>/", views.event_detail, name="event"),
    path("ical/", views.ical_tenant, name="ical"),
    path("ical/rw/<int:rw>/", views.ical_rw, name="ical_rw"),
    path("ical/rt/<int:rw>/<int:rt>/", views.ical_rt, name="ical_rt"),
]
