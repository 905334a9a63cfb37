"""API of apps.community, mounted under /api/v1/community/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import ArisanRoundViewSet, ArisanViewSet, CashBookViewSet, IuranViewSet

router = DefaultRouter()
router.register("cash-books", CashBookViewSet, basename="community-cash-book")
router.register("iuran", IuranViewSet, basename="community-iuran")
router.register("arisan", ArisanViewSet, basename="community-arisan")
router.register("arisan-rounds", ArisanRoundViewSet, basename="community-arisan-round")
urlpatterns = router.urls
