"""API of apps.bazar, mounted under /api/v1/bazar/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import ArisanVoucherViewSet, BazarEventViewSet, StallViewSet, VoucherViewSet

router = DefaultRouter()
router.register("events", BazarEventViewSet, basename="bazar-event")
router.register("stalls", StallViewSet, basename="bazar-stall")
router.register("vouchers", VoucherViewSet, basename="bazar-voucher")
router.register("arisan-rounds", ArisanVoucherViewSet, basename="bazar-arisan-round")
urlpatterns = router.urls
