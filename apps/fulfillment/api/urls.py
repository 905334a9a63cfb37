"""API of apps.fulfillment, mounted under /api/v1/fulfillment/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
