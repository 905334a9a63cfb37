"""API tokens, on tenant and platform hosts alike (included from config/api_docs.py)."""

from django.urls import URLPattern, URLResolver, path
from rest_framework.routers import SimpleRouter

from .tokens import ApiTokenViewSet, ObtainTokenView

router = SimpleRouter()
router.register("tokens", ApiTokenViewSet, basename="api-token-mine")

urlpatterns: list[URLPattern | URLResolver] = [
    path("auth/token/", ObtainTokenView.as_view(), name="api-token"),
    *router.urls,
]
