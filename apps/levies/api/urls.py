"""API of apps.levies, mounted under /api/v1/levies/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import LevyBillViewSet, PayerBillViewSet

router = DefaultRouter()
router.register("bills", LevyBillViewSet, basename="levies-bill")
router.register("my-bills", PayerBillViewSet, basename="levies-my-bill")
urlpatterns = router.urls
