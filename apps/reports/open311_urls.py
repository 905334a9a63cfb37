"""Open311 GeoReport v2, mounted at /open311/v2/ in config/urls_tenant.py.

Every resource answers with or without a `.json`/`.xml` suffix (see open311_views).
"""

from django.urls import URLPattern, URLResolver, re_path

from . import open311_views as views

app_name = "open311"
_FMT = r"(?:\.(?P<fmt>json|xml))?"

urlpatterns: list[URLPattern | URLResolver] = [
    re_path(rf"^discovery{_FMT}$", views.discovery, name="discovery"),
    re_path(rf"^services{_FMT}$", views.services_list, name="services"),
    re_path(rf"^services/(?P<code>[-\w]+?){_FMT}$", views.service_definition, name="service"),
    re_path(rf"^requests{_FMT}$", views.requests_collection, name="requests"),
    re_path(rf"^requests/(?P<request_id>[-\w]+?){_FMT}$", views.request_detail, name="request"),
    re_path(rf"^tokens/(?P<token>[-\w]+?){_FMT}$", views.token_detail, name="token"),
]
