"""API of apps.factoring, mounted under /api/v1/factoring/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import FactoringProductViewSet, FinancingViewSet

router = DefaultRouter()
router.register("financings", FinancingViewSet, basename="factoring-financing")
router.register("products", FactoringProductViewSet, basename="factoring-product")
urlpatterns = router.urls
