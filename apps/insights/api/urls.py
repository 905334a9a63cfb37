"""API of apps.insights, mounted under /api/v1/insights/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import DemandForecastViewSet, ForecastRunViewSet

router = DefaultRouter()
router.register("forecasts", DemandForecastViewSet, basename="insights-forecast")
router.register("runs", ForecastRunViewSet, basename="insights-run")
urlpatterns = router.urls
