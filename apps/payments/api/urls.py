"""API of apps.payments, mounted under /api/v1/payments/ in config/urls_tenant.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from . import views

router = DefaultRouter()
router.register("accounts", views.AccountViewSet, basename="payments-account")
router.register("topups", views.TopUpViewSet, basename="payments-topup")
router.register("payment-requests", views.PaymentRequestViewSet, basename="payments-request")
router.register("reconciliation-runs", views.ReconciliationRunViewSet, basename="payments-reconciliation")

urlpatterns = [
    path("transfers/", views.TransferView.as_view(), name="payments-transfer"),
    path("payments/", views.PayView.as_view(), name="payments-pay"),
    path("refunds/", views.RefundView.as_view(), name="payments-refund"),
    path("payouts/", views.PayoutView.as_view(), name="payments-payout"),
    path("gateway/notifications/", views.GatewayNotificationView.as_view(), name="payments-notifications"),
    *router.urls,
]
