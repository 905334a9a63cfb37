"""URLs of a kelurahan or kota tenant (<slug>.BASE_DOMAIN)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import me
from apps.rtrw.api.views import RukunTetanggaViewSet

from .api_docs import docs_urlpatterns

router = DefaultRouter()
router.register("rt", RukunTetanggaViewSet, basename="rt")

# Pages of each domain app: (URL prefix, module).
PAGES = [
    ("notifikasi/", "apps.notifications.urls"),
    ("agenda/", "apps.agenda.urls"),
    ("izin/", "apps.permits.urls"),
    ("laporan/", "apps.reports.urls"),
    ("bansos/", "apps.aid.urls"),
    ("dompet/", "apps.payments.urls"),
    ("kas/", "apps.community.urls"),
    ("pasar/", "apps.marketplace.urls"),
    ("pengadaan/", "apps.procurement.urls"),
    ("faktur/", "apps.invoicing.urls"),
    ("pembiayaan/", "apps.factoring.urls"),
    ("antar/", "apps.fulfillment.urls"),
    ("pinjaman/", "apps.lending.urls"),
    ("wawasan/", "apps.insights.urls"),
    ("dasbor/", "apps.analytics.urls"),
    ("wilayah/", "apps.tenancy.tenant_urls"),
    ("retribusi/", "apps.levies.urls"),  # kota tenants only (404 elsewhere)
    ("tagihan/", "apps.levies.payer_urls"),
    ("bazar/", "apps.bazar.urls"),
    ("tukang/", "apps.tukang.urls"),
    ("sembako/", "apps.sembako.urls"),
    ("nilai/", "apps.feedback.urls"),
]
# Each domain app's API under /api/v1/<prefix>/.
APIS = [
    ("notifications/", "apps.notifications.api.urls"),
    ("agenda/", "apps.agenda.api.urls"),
    ("permits/", "apps.permits.api.urls"),
    ("reports/", "apps.reports.api.urls"),
    ("aid/", "apps.aid.api.urls"),
    ("payments/", "apps.payments.api.urls"),
    ("community/", "apps.community.api.urls"),
    ("marketplace/", "apps.marketplace.api.urls"),
    ("procurement/", "apps.procurement.api.urls"),
    ("invoicing/", "apps.invoicing.api.urls"),
    ("factoring/", "apps.factoring.api.urls"),
    ("levies/", "apps.levies.api.urls"),
    ("fulfillment/", "apps.fulfillment.api.urls"),
    ("lending/", "apps.lending.api.urls"),
    ("insights/", "apps.insights.api.urls"),
    ("bazar/", "apps.bazar.api.urls"),
    ("tukang/", "apps.tukang.api.urls"),
    ("sembako/", "apps.sembako.api.urls"),
    ("feedback/", "apps.feedback.api.urls"),
]

api_patterns: list[URLPattern | URLResolver] = [
    path("me/", me, name="api-me"),
    *router.urls,
    *(path(prefix, include(module)) for prefix, module in APIS),
    *docs_urlpatterns(__name__),
]

urlpatterns = [
    path("", include("apps.tenancy.home_urls")),
    path("akun/", include("apps.accounts.urls")),
    *(path(prefix, include(module)) for prefix, module in PAGES),
    path("open311/v2/", include("apps.reports.open311_urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_patterns)),
]
# Stored files: /media/<name> (public, this tenant's prefix) and /berkas/... (private, checked).
# Never a static route over MEDIA_ROOT, in DEBUG neither (apps.core.files).
urlpatterns += [path("", include("apps.core.files.urls"))]

# An unmatched URL under /api/ answers JSON (apps.core.api.errors), pages 404.html.
handler404 = "apps.core.api.errors.not_found"
