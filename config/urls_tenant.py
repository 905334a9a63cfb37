"""URLs of a kelurahan or kota tenant (<slug>.BASE_DOMAIN)."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from rest_framework.routers import DefaultRouter

from apps.accounts.api.views import me
from apps.rtrw.api.views import RukunTetanggaViewSet

from .api_docs import docs_urlpatterns

admin.site.site_header = "KotaKita"
admin.site.site_title = "KotaKita"

router = DefaultRouter()
router.register("rt", RukunTetanggaViewSet, basename="rt")

urlpatterns = [
    path("", include("apps.core.urls")),
    path("akun/", include("apps.accounts.urls")),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include([path("me/", me, name="api-me"), *router.urls, *docs_urlpatterns(__name__)])),
]
if settings.DEBUG:
    urlpatterns += static(  # type: ignore[arg-type]
        settings.MEDIA_URL, document_root=settings.MEDIA_ROOT
    )
