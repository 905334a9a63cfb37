"""API of apps.lending, mounted under /api/v1/lending/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
