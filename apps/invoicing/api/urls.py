"""API of apps.invoicing, mounted under /api/v1/invoicing/ in config/urls_tenant.py."""

from rest_framework.routers import DefaultRouter

from .views import InvoiceViewSet

router = DefaultRouter()
router.register("invoices", InvoiceViewSet, basename="invoicing-invoice")
urlpatterns = router.urls
