"""API of apps.permits, mounted under /api/v1/permits/ in config/urls_tenant.py."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import DefaultRouter

from .views import KbliViewSet, PermitEventViewSet, PermitViewSet, VerificationView

router = DefaultRouter()
router.register("kbli", KbliViewSet, basename="permit-kbli")
router.register("events", PermitEventViewSet, basename="permit-event")
router.register("", PermitViewSet, basename="permit")
urlpatterns: list[URLPattern | URLResolver] = [
    path("verification/<str:token>/", VerificationView.as_view(), name="permit-verification"),
    *router.urls,
]
