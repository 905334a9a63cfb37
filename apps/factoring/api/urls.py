"""API of apps.factoring, mounted under /api/v1/factoring/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import FinancingViewSet, ProductViewSet

router = DefaultRouter()
router.register("financings", FinancingViewSet, basename="factoring-financing")
router.register("products", ProductViewSet, basename="factoring-product")
urlpatterns = router.urls
