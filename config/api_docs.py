from django.urls import URLPattern, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.permissions import AllowAny

from apps.core.api.parsers import SAFE_PARSERS


def docs_urlpatterns(urlconf: str) -> list[URLPattern]:
    """Token sign-in, the OpenAPI schema of `urlconf`, Swagger UI and Redoc (no CDN: sidecar)."""
    return [
        # DRF's view names the stock parsers, which answer deep JSON with a 500.
        path("auth/token/", ObtainAuthToken.as_view(parser_classes=SAFE_PARSERS), name="api-token"),
        path(
            "schema/",
            SpectacularAPIView.as_view(urlconf=urlconf, permission_classes=[AllowAny]),
            name="api-schema",
        ),
        path(
            "docs/",
            SpectacularSwaggerView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
            name="api-docs",
        ),
        path(
            "redoc/",
            SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
            name="api-redoc",
        ),
    ]
