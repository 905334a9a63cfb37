from csp.decorators import csp_update
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.permissions import AllowAny


def docs_urlpatterns(urlconf: str) -> list[URLPattern | URLResolver]:
    """Token sign-in and API tokens, the OpenAPI schema of `urlconf`, Swagger UI and Redoc (no CDN: sidecar)."""
    return [
        path("", include("apps.accounts.api.urls")),
        path(
            "schema/",
            SpectacularAPIView.as_view(urlconf=urlconf, permission_classes=[AllowAny]),
            name="api-schema",
        ),
        path(
            "docs/",
            # Split view: its set-up script is a separate URL, not an inline block the CSP would refuse.
            SpectacularSwaggerSplitView.as_view(url_name="api-schema", permission_classes=[AllowAny]),
            name="api-docs",
        ),
        path(
            "redoc/",
            # Redoc runs its search index in a worker made from a blob: URL.
            csp_update({"worker-src": ["'self'", "blob:"]})(
                SpectacularRedocView.as_view(url_name="api-schema", permission_classes=[AllowAny])
            ),
            name="api-redoc",
        ),
    ]
