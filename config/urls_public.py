"""URLs of the platform site (BASE_DOMAIN): the franchise operator's console and API."""

from django.urls import include, path
from rest_framework.routers import DefaultRouter

from apps.tenancy.admin import platform_admin_site
from apps.tenancy.api.views import ActivationJobViewSet, RegionViewSet, TenantOperationJobViewSet, TenantViewSet

from .api_docs import docs_urlpatterns

router = DefaultRouter()
router.register("regions", RegionViewSet, basename="region")
router.register("tenants", TenantViewSet, basename="tenant")
router.register("activation-jobs", ActivationJobViewSet, basename="activation-job")
router.register("tenant-jobs", TenantOperationJobViewSet, basename="tenant-job")

urlpatterns = [
    path("", include("apps.tenancy.home_urls")),
    path("akun/", include("apps.accounts.urls")),
    path("admin/", platform_admin_site.urls),
    path("operator/tagihan/", include("apps.billing.urls")),
    path("operator/", include("apps.tenancy.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "api/v1/",
        include([*router.urls, path("data/", include("apps.dataservice.api.urls")), *docs_urlpatterns(__name__)]),
    ),
]
# No /media/ here: the platform host serves no tenant's files (apps.core.files).

# An unmatched URL under /api/ answers JSON (apps.core.api.errors), pages 404.html.
handler404 = "apps.core.api.errors.not_found"
