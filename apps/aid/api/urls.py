"""API of apps.aid, mounted under /api/v1/aid/ in config/urls_tenant.py."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from .views import (
    BeneficiaryViewSet,
    ConflictView,
    DistributionViewSet,
    EnrolmentViewSet,
    ImportViewSet,
    ProgramViewSet,
)

router = DefaultRouter()
router.register("programs", ProgramViewSet, basename="aid-program")
router.register("beneficiaries", BeneficiaryViewSet, basename="aid-beneficiary")
router.register("enrolments", EnrolmentViewSet, basename="aid-enrolment")
router.register("distributions", DistributionViewSet, basename="aid-distribution")
router.register("imports", ImportViewSet, basename="aid-import")
urlpatterns = [
    path("conflicts/", ConflictView.as_view(), name="aid-conflicts"),
    *router.urls,
]
