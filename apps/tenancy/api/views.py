"""Operator API on the platform site: regions, tenants and bulk activation jobs.

Activating one region, starting a bulk activation or a restore (each POST makes a job) take the
shared `Idempotency-Key` layer (apps.core.idempotency; the platform's keys are pruned by
`jobs.repair_everywhere`). An activation's answer is its job, never the admin's set-password link
(that comes from GET /tenant-jobs/<id>/ once the job is done), so a kept replay holds no secret.
Not under it, on purpose: suspend/reactivate/retry/resume (state changes that a repeat leaves as
they are or refuses with 409)."""

from __future__ import annotations

from typing import Any, cast

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.core.errors import NotFound, ValidationFailed
from apps.core.idempotency import OPENAPI_PARAMETER, idempotent
from apps.tenancy import operations, placement, services
from apps.tenancy.models import ActivationJob, Region, Tenant, TenantArchive, TenantOperationJob

from .filters import RegionFilter
from .permissions import IsFranchiseOperator
from .serializers import (
    PRIMARY_DOMAIN_PREFETCH,
    ActivateSerializer,
    ActivationJobSerializer,
    MoveSerializer,
    NodeSerializer,
    PlannedMoveSerializer,
    RegionSerializer,
    RestoreSerializer,
    StatusChangeSerializer,
    TenantOperationJobSerializer,
    TenantSerializer,
)


def _actor(request: Request) -> User:
    # IsFranchiseOperator has already refused anonymous requests.
    return cast(User, request.user)


class RegionViewSet(viewsets.ReadOnlyModelViewSet[Region]):
    serializer_class = RegionSerializer
    permission_classes = [IsFranchiseOperator]
    lookup_value_regex = r"[0-9.]+"
    queryset = Region.objects.select_related("tenant").order_by("code")
    filterset_class = RegionFilter


class TenantViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet[Tenant]
):
    serializer_class = TenantSerializer
    permission_classes = [IsFranchiseOperator]
    queryset = (
        Tenant.objects.exclude(tenant_type=Tenant.Type.PUBLIC)
        .select_related("parent")
        .prefetch_related(PRIMARY_DOMAIN_PREFETCH)
    )
    lookup_field = "region_id"
    lookup_url_kwarg = "code"
    lookup_value_regex = r"[0-9.]+"

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = page if page is not None else list(queryset)
        context = {**self.get_serializer_context(), "placements": placement.tenant_placements(rows)}
        data = TenantSerializer(rows, many=True, context=context).data
        return self.get_paginated_response(data) if page is not None else Response(data)

    @extend_schema(
        request=ActivateSerializer,
        responses={202: TenantOperationJobSerializer},
        parameters=[OPENAPI_PARAMETER],
        description=(
            "Queue the activation of a desa/kelurahan or kabupaten/kota from the national list. "
            "A bad or unknown code, the wrong level, a region already active (409 `already_active`) "
            "or one with an activation or restore running (409 `tenant_job_running`) is refused "
            "before any job exists. Poll the returned job's `url` (also in `Location`): once its "
            "`status` is `done`, `result` has the tenant's `url` and `admin_username`, and the job "
            "gives the admin's `set_password_url`."
        ),
    )
    @idempotent("tenancy.activate")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Activate a desa/kelurahan or kabupaten/kota from the national list (a background job)."""
        data = ActivateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = operations.do_start_activate_region(**data.validated_data, actor=_actor(request))
        body = TenantOperationJobSerializer(job).data
        return Response(body, status=status.HTTP_202_ACCEPTED, headers={"Location": body["url"]})

    @extend_schema(request=StatusChangeSerializer, responses=TenantSerializer)
    @action(detail=True, methods=["post"])
    def suspend(self, request: Request, code: str) -> Response:
        data = StatusChangeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        tenant = services.suspend_tenant(self.get_object(), reason=data.validated_data["reason"], actor=_actor(request))
        return Response(TenantSerializer(tenant).data)

    @extend_schema(request=None, responses=TenantSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, code: str) -> Response:
        tenant = services.reactivate_tenant(self.get_object(), actor=_actor(request))
        return Response(TenantSerializer(tenant).data)

    @extend_schema(
        parameters=[OpenApiParameter("reason", str, description="Why the tenant is removed")],
        responses={202: TenantOperationJobSerializer},
    )
    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Queue the archiving (schema dump, public rows, files) and removal of the tenant; poll
        the returned job at /api/v1/tenant-jobs/<id>/."""
        job = operations.do_start_archive(
            self.get_object(), reason=request.query_params.get("reason", ""), actor=_actor(request)
        )
        return Response(TenantOperationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=MoveSerializer, responses={202: TenantOperationJobSerializer})
    @action(detail=True, methods=["post"])
    def move(self, request: Request, code: str) -> Response:
        """Queue the online move of the tenant to another database node (Citus); poll the
        returned job at /api/v1/tenant-jobs/<id>/. While a move of this tenant to the same node
        is queued or running, that job is returned."""
        data = MoveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = placement.do_start_move(
            self.get_object(),
            data.validated_data["node"],
            transfer_mode=data.validated_data["transfer_mode"],
            actor=_actor(request),
        )
        return Response(TenantOperationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses=NodeSerializer(many=True))
    @action(detail=False, methods=["get"], pagination_class=None)
    def nodes(self, request: Request) -> Response:
        """The database nodes with the number and size of the tenants each holds (plain
        PostgreSQL: the one server)."""
        return Response(NodeSerializer(placement.node_loads(), many=True).data)

    @extend_schema(
        parameters=[
            OpenApiParameter("by", str, enum=["size", "count"], description="Even out size (default) or count"),
        ],
        responses=PlannedMoveSerializer(many=True),
    )
    @action(detail=False, methods=["get"], url_path="rebalance-plan", pagination_class=None)
    def rebalance_plan(self, request: Request) -> Response:
        """The moves `manage.py rebalance_tenants --apply` would make now (nothing is moved)."""
        by = request.query_params.get("by", "size")
        if by not in ("size", "count"):
            raise ValidationFailed(_("Parameter by harus size atau count."), code="invalid_by")
        return Response(PlannedMoveSerializer(placement.rebalance_plan(by=by), many=True).data)


class TenantOperationJobViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[TenantOperationJob]
):
    """Tenant activation (POST /tenants/), archive (DELETE /tenants/<code>/), restore and move
    jobs; poll a job for its progress."""

    serializer_class = TenantOperationJobSerializer
    permission_classes = [IsFranchiseOperator]
    queryset = TenantOperationJob.objects.all()

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        job = self.get_object()
        return Response(TenantOperationJobSerializer(job, context={"with_link": True}).data)

    @extend_schema(
        request=RestoreSerializer, responses={202: TenantOperationJobSerializer}, parameters=[OPENAPI_PARAMETER]
    )
    @action(detail=False, methods=["post"])
    @idempotent("tenancy.restore")
    def restore(self, request: Request) -> Response:
        """Queue the restore of a tenant archive, under its own or another region code."""
        data = RestoreSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        archive = TenantArchive.objects.filter(pk=data.validated_data["archive"]).first()
        if archive is None:
            raise NotFound(_("Arsip tidak ditemukan."), code="unknown_archive")
        job = operations.do_start_restore(archive, as_code=data.validated_data["as_code"], actor=_actor(request))
        return Response(TenantOperationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: TenantOperationJobSerializer})
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str) -> Response:
        job = operations.do_retry_tenant_operation(self.get_object(), actor=_actor(request))
        return Response(TenantOperationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)


class ActivationJobViewSet(
    mixins.CreateModelMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ActivationJob]
):
    """Bulk activation of every desa/kelurahan under a code; poll a job for its progress."""

    serializer_class = ActivationJobSerializer
    permission_classes = [IsFranchiseOperator]
    queryset = ActivationJob.objects.all()

    @extend_schema(parameters=[OPENAPI_PARAMETER])
    @idempotent("tenancy.activation_job")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ActivationJobSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = operations.do_start_activation(data.validated_data["scope"], actor=_actor(request))
        return Response(ActivationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ActivationJobSerializer})
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        job = operations.do_resume_activation(self.get_object(), actor=_actor(request))
        return Response(ActivationJobSerializer(job).data, status=status.HTTP_202_ACCEPTED)
