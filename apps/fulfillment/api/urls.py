"""API of apps.fulfillment, mounted under /api/v1/fulfillment/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import CourierViewSet, DeliveryViewSet, HubViewSet, PingViewSet, RoutingJobViewSet

router = DefaultRouter()
router.register("hubs", HubViewSet, basename="fulfillment-hub")
router.register("couriers", CourierViewSet, basename="fulfillment-courier")
router.register("deliveries", DeliveryViewSet, basename="fulfillment-delivery")
router.register("pings", PingViewSet, basename="fulfillment-ping")
router.register("jobs", RoutingJobViewSet, basename="fulfillment-job")
urlpatterns = router.urls
