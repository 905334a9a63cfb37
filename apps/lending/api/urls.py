"""API of apps.lending, mounted under /api/v1/lending/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import ApplicationViewSet, LoanViewSet, ProductViewSet

router = DefaultRouter()
router.register("products", ProductViewSet, basename="lending-product")
router.register("applications", ApplicationViewSet, basename="lending-application")
router.register("loans", LoanViewSet, basename="lending-loan")
urlpatterns = router.urls
