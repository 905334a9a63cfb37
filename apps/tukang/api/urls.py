"""API of apps.tukang, mounted under /api/v1/tukang/ in config/urls_tenant.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import JobViewSet, TukangViewSet, WhatsAppWebhookView

router = DefaultRouter()
router.register("tukang", TukangViewSet, basename="tukang-tukang")
router.register("jobs", JobViewSet, basename="tukang-job")
urlpatterns = [path("whatsapp/", WhatsAppWebhookView.as_view(), name="tukang-whatsapp"), *router.urls]
