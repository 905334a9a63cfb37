"""API of apps.sembako, mounted under /api/v1/sembako/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import HouseholdOrderViewSet, RoundViewSet

router = DefaultRouter()
router.register("rounds", RoundViewSet, basename="sembako-round")
router.register("orders", HouseholdOrderViewSet, basename="sembako-order")
urlpatterns = router.urls
