"""API of apps.procurement, mounted under /api/v1/procurement/ in config/urls_tenant.py.

/requests/ (+ /{id}/publish|cancel|quote|quotes|evaluate|evaluation|award|order|deliver|accept|pay|events|order-pdf/),
/quotes/ (mine; staff: opened quotes) and /awards/ (public transparency list).
"""

from rest_framework.routers import DefaultRouter

from .views import AwardViewSet, PurchaseRequestViewSet, QuoteViewSet

router = DefaultRouter()
router.register("requests", PurchaseRequestViewSet, basename="procurement-request")
router.register("quotes", QuoteViewSet, basename="procurement-quote")
router.register("awards", AwardViewSet, basename="procurement-award")
urlpatterns = router.urls
