"""API of apps.procurement, mounted under /api/v1/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

router = DefaultRouter()
urlpatterns = router.urls
