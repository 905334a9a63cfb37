"""API of apps.marketplace, mounted under /api/v1/marketplace/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import OrderViewSet, ProductViewSet, ShopViewSet

router = DefaultRouter()
router.register("shops", ShopViewSet, basename="marketplace-shop")
router.register("products", ProductViewSet, basename="marketplace-product")
router.register("orders", OrderViewSet, basename="marketplace-order")
urlpatterns = router.urls
