"""API of apps.agenda, mounted under /api/v1/agenda/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import EventViewSet

router = DefaultRouter()
router.register("events", EventViewSet, basename="agenda-event")
urlpatterns = router.urls
