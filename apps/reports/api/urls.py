"""API of apps.reports, mounted under /api/v1/reports/ in config/urls_tenant.py.

/api/v1/reports/categories/ and /api/v1/reports/ (+ /{code}/, /nearby/, /mine/,
/{code}/me-too/, /{code}/actions/, /{code}/updates/).
"""

from rest_framework.routers import DefaultRouter

from .views import CategoryViewSet, ReportViewSet

router = DefaultRouter()
router.include_root_view = False  # the report list lives at the prefix itself
router.register("categories", CategoryViewSet, basename="report-category")
router.register("", ReportViewSet, basename="report")
urlpatterns = router.urls
