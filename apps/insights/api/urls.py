"""API of apps.insights, mounted under /api/v1/insights/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
