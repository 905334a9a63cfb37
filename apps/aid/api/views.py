"""Bansos API for kelurahan staff. NIK and No. KK are accepted in request bodies only (never in
URLs) and only ever returned masked."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts.models import User
from apps.aid import selectors, services
from apps.aid.identity import build_person, check_nik, hash_number
from apps.aid.models import Beneficiary, Distribution, Enrolment, ImportBatch, Program
from apps.aid.resources import FORMATS, export_distributions
from apps.core import idempotency
from apps.core.api.parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from apps.core.errors import NotFound, ValidationFailed
from apps.core.idempotency import idempotent
from apps.core.spreadsheets import MAX_IMPORT_BYTES

from .filters import BeneficiaryFilter, DistributionFilter, EnrolmentFilter
from .serializers import (
    BeneficiarySerializer,
    ConflictSerializer,
    DistributeSerializer,
    DistributionSerializer,
    EnrolmentSerializer,
    FailSerializer,
    ImportBatchSerializer,
    ImportUploadSerializer,
    NikLookupSerializer,
    PlanPeriodResultSerializer,
    PlanPeriodSerializer,
    ProgramSerializer,
)


class IsAidStaff(BasePermission):
    """Kelurahan staff only: bansos data is personal data."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return services.is_aid_staff(request.user)


def _actor(request: Request) -> User:
    return cast(User, request.user)


_PROGRAM_FIELDS = (
    "name",
    "description",
    "target_type",
    "funding_source",
    "start_date",
    "end_date",
    "quota",
    "amount",
    "max_household_income",
    "min_age",
    "max_age",
)


def _program_input(data: dict[str, Any]) -> services.ProgramInput:
    return services.ProgramInput(
        name=data["name"],
        description=data.get("description", ""),
        target_type=data["target_type"],
        funding_source=data["funding_source"],
        start_date=data["start_date"],
        end_date=data["end_date"],
        quota=data["quota"],
        amount=data.get("amount", 0),
        max_household_income=data.get("max_household_income"),
        min_age=data.get("min_age"),
        max_age=data.get("max_age"),
        allowed_rt_ids=list(data.get("allowed_rts", [])),
        exclude_program_ids=list(data.get("excludes", [])),
    )


class ProgramViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet[Program],
):
    """Bansos programs with their rules: target, period, funding, quota, eligibility and the
    programs they exclude."""

    serializer_class = ProgramSerializer
    permission_classes = [IsAidStaff]

    def get_queryset(self) -> QuerySet[Program]:
        return selectors.programs_with_counts().prefetch_related("allowed_rts", "excludes")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = ProgramSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        program = services.create_program(_program_input(data.validated_data))
        return Response(ProgramSerializer(program).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        program = self.get_object()
        data = ProgramSerializer(program, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        current = {name: getattr(program, name) for name in _PROGRAM_FIELDS}
        current["allowed_rts"] = list(program.allowed_rts.values_list("pk", flat=True))
        current["excludes"] = list(program.excludes.values_list("pk", flat=True))
        program = services.update_program(program, _program_input({**current, **data.validated_data}))
        return Response(ProgramSerializer(program).data)

    @extend_schema(request=PlanPeriodSerializer, responses={200: PlanPeriodResultSerializer})
    @action(detail=True, methods=["post"], url_path="plan-period")
    def plan_period(self, request: Request, pk: str | None = None) -> Response:
        """Plan a distribution for every active enrolment in a period (idempotent)."""
        data = PlanPeriodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.plan_period(self.get_object(), period=data.validated_data["period"])
        return Response({"created": created})


class BeneficiaryViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Beneficiary]
):
    """Beneficiaries. Create with the full NIK in the body; responses carry `nik_masked` only."""

    serializer_class = BeneficiarySerializer
    permission_classes = [IsAidStaff]
    queryset = Beneficiary.objects.select_related("rt__rw").order_by("name", "pk")
    filterset_class = BeneficiaryFilter

    @extend_schema(parameters=[idempotency.OPENAPI_PARAMETER])
    @idempotent("aid.beneficiary")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = BeneficiarySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = build_person(**data.validated_data)
        existed = Beneficiary.objects.filter(nik_hash=person.nik_hash).exists()
        beneficiary = services.save_beneficiary(person)
        return Response(
            BeneficiarySerializer(beneficiary).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        )

    @extend_schema(request=NikLookupSerializer, responses={200: BeneficiarySerializer, 404: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["post"])
    def lookup(self, request: Request) -> Response:
        """Find a beneficiary by NIK (sent in the body, never in the URL)."""
        data = NikLookupSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        info = check_nik(data.validated_data["nik"])
        beneficiary = Beneficiary.objects.filter(nik_hash=hash_number("nik", info.nik)).first()
        if beneficiary is None:
            raise NotFound(_("Penerima dengan NIK ini belum terdaftar."))
        return Response(BeneficiarySerializer(beneficiary).data)


class EnrolmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Enrolment]
):
    """Who is in which program. Enrolling checks eligibility (422), duplicates, mutual
    exclusion and quota (409)."""

    serializer_class = EnrolmentSerializer
    permission_classes = [IsAidStaff]
    queryset = Enrolment.objects.select_related("program", "beneficiary").order_by("program__name", "beneficiary__name")
    filterset_class = EnrolmentFilter

    @extend_schema(parameters=[idempotency.OPENAPI_PARAMETER])
    @idempotent("aid.enrolment")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = EnrolmentSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        enrolment = services.enrol(
            data.validated_data["program"],
            data.validated_data["beneficiary"],
            by=_actor(request),
            source=Enrolment.Source.API,
        )
        return Response(EnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: EnrolmentSerializer})
    @action(detail=True, methods=["post"])
    def withdraw(self, request: Request, pk: str | None = None) -> Response:
        """Take the person out of the program (idempotent)."""
        enrolment = services.withdraw(self.get_object(), by=_actor(request))
        return Response(EnrolmentSerializer(enrolment).data)


class DistributionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet[Distribution]
):
    """Aid per beneficiary per period: planned → distributed (date, photo, officer) or failed
    (reason). Repeating a status change is a no-op; a contradicting one is 409."""

    serializer_class = DistributionSerializer
    permission_classes = [IsAidStaff]
    parser_classes = [SafeJSONParser, SafeMultiPartParser, SafeFormParser]
    filterset_class = DistributionFilter
    filterset_actions = ("list", "export")

    def get_queryset(self) -> QuerySet[Distribution]:
        return selectors.distributions()

    @extend_schema(parameters=[idempotency.OPENAPI_PARAMETER])
    @idempotent("aid.distribution")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = DistributionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        distribution, created = services.plan_distribution(
            data.validated_data["enrolment"],
            period=data.validated_data["period"],
            amount=data.validated_data.get("amount"),
        )
        return Response(
            DistributionSerializer(distribution).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        request={"multipart/form-data": DistributeSerializer},
        responses={200: DistributionSerializer, 409: OpenApiTypes.OBJECT, 422: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"])
    def distribute(self, request: Request, pk: str | None = None) -> Response:
        """Record the aid as handed over, with the date and a photo (JPEG/PNG/WebP ≤ 2 MB)."""
        data = DistributeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        distribution = services.mark_distributed(
            self.get_object(),
            by=_actor(request),
            distributed_on=data.validated_data["distributed_on"],
            proof=data.validated_data.get("proof"),
        )
        return Response(DistributionSerializer(distribution).data)

    @extend_schema(
        request=FailSerializer,
        responses={200: DistributionSerializer, 409: OpenApiTypes.OBJECT, 422: OpenApiTypes.OBJECT},
    )
    @action(detail=True, methods=["post"])
    def fail(self, request: Request, pk: str | None = None) -> Response:
        """Record that the aid could not be handed over, with the reason."""
        data = FailSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        distribution = services.mark_failed(self.get_object(), by=_actor(request), reason=data.validated_data["reason"])
        return Response(DistributionSerializer(distribution).data)

    @extend_schema(
        filters=True,  # the list's filters, documented on this action too
        parameters=[OpenApiParameter("file_format", str, enum=list(FORMATS), default="xlsx")],
        responses={
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY, description="file_format=xlsx"
            ),
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY, description="file_format=csv"),
        },
    )
    @action(detail=False, methods=["get"])
    def export(self, request: Request) -> HttpResponse:
        """The filtered distributions as an xlsx or csv file (NIK masked)."""
        file_format = request.query_params.get("file_format", "xlsx")
        if file_format not in FORMATS:
            raise ValidationFailed(_("Format ekspor harus xlsx atau csv."), code="invalid_format")
        content, content_type, extension = export_distributions(self.filter_queryset(self.get_queryset()), file_format)
        response = HttpResponse(content, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="penyaluran-bansos.{extension}"'
        return response


class ConflictView(APIView):
    """Rule breaches among active enrolments: exclusive programs, duplicates, over quota."""

    permission_classes = [IsAidStaff]

    @extend_schema(responses={200: ConflictSerializer(many=True)})
    def get(self, request: Request) -> Response:
        return Response(ConflictSerializer(selectors.conflicts(), many=True).data)


class ImportViewSet(mixins.RetrieveModelMixin, viewsets.GenericViewSet[ImportBatch]):
    """Beneficiary list import: upload (dry run with row errors, nothing written), then confirm
    (re-validated, all rows or none); both run as background jobs, polled on the import."""

    serializer_class = ImportBatchSerializer
    permission_classes = [IsAidStaff]
    parser_classes = [SafeMultiPartParser, SafeFormParser, SafeJSONParser]
    lookup_field = "uuid"
    lookup_url_kwarg = "pk"
    lookup_value_regex = "[0-9a-fA-F-]{36}"

    def get_queryset(self) -> QuerySet[ImportBatch]:
        return ImportBatch.objects.select_related("program")

    @extend_schema(request={"multipart/form-data": ImportUploadSerializer}, responses={201: ImportBatchSerializer})
    def create(self, request: Request) -> Response:
        data = ImportUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        batch = services.preview_import(
            data.validated_data["program"],
            file_name=upload.name or "",
            content=upload.read(MAX_IMPORT_BYTES + 1),
            by=_actor(request),
        )
        return Response(ImportBatchSerializer(batch).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={200: ImportBatchSerializer, 202: ImportBatchSerializer, 422: OpenApiTypes.OBJECT},
        description=(
            "Menyimpan semua baris (atau tidak sama sekali) sebagai proses latar: 202 selama berjalan; "
            "pantau impor sampai status `dikonfirmasi`, atau kembali `pratinjau` dengan baris bermasalah."
        ),
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str | None = None) -> Response:
        batch = services.confirm_import(self.get_object(), by=_actor(request))
        done = batch.status == ImportBatch.Status.CONFIRMED
        return Response(
            ImportBatchSerializer(batch).data, status=status.HTTP_200_OK if done else status.HTTP_202_ACCEPTED
        )
