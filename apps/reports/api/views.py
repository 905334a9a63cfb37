from __future__ import annotations

from typing import Any

from django.db.models import QuerySet, prefetch_related_objects
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core import cache_scopes, idempotency
from apps.core.api.parsers import SafeFormParser, SafeJSONParser, SafeMultiPartParser
from apps.core.errors import ValidationFailed
from apps.core.idempotency import idempotent
from apps.reports import selectors, services
from apps.reports.models import Category, Report

from .filters import ReportFilter
from .serializers import (
    ActionSerializer,
    CategorySerializer,
    NearbySerializer,
    NoteSerializer,
    ReportCreateSerializer,
    ReportSerializer,
    UpdateSerializer,
)


class CategoryViewSet(viewsets.ReadOnlyModelViewSet[Category]):
    """Active report categories with their responsible unit, SLA and extra questions (public)."""

    serializer_class = CategorySerializer
    permission_classes = [permissions.AllowAny]
    lookup_field = "code"
    pagination_class = None

    def get_queryset(self) -> QuerySet[Category]:
        return selectors.active_categories().prefetch_related("attributes")


class ReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[Report]):
    """Citizen reports. Reading is public (no personal data); filing and acting need a sign-in."""

    serializer_class = ReportSerializer
    lookup_field = "code"
    lookup_value_regex = "LP-[A-Za-z0-9]+"
    parser_classes = [SafeJSONParser, SafeMultiPartParser, SafeFormParser]
    filterset_class = ReportFilter

    def get_permissions(self) -> list[Any]:
        if self.action in ("list", "retrieve", "nearby", "updates") and self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self) -> QuerySet[Report]:
        return selectors.public_reports().prefetch_related("photos")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        """Public and the same for every caller: cached per query until a report changes."""
        parts = ("api", *cache_scopes.request_parts(request))
        return Response(cache_scopes.cached(selectors.CACHE_SCOPE, parts, lambda: self._page_data(request)))

    def _page_data(self, request: Request) -> dict[str, Any]:
        data = super().list(request).data
        return {**data, "results": [dict(item) for item in data["results"]]}  # plain, so the cache can keep it

    def get_object(self) -> Report:
        report = Report.objects.select_related("category").filter(code=self.kwargs["code"].upper()).first()
        if report is None:
            raise Http404
        return report

    @extend_schema(
        request=ReportCreateSerializer, responses={201: ReportSerializer}, parameters=[idempotency.OPENAPI_PARAMETER]
    )
    @idempotent("reports.create")
    def create(self, request: Request) -> Response:
        data = ReportCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        report = services.submit_report(
            category=values["category"],
            description=values["description"],
            lat=values.get("lat"),
            lng=values.get("lng"),
            address=values.get("address", ""),
            photos=values.get("photos", []),
            reporter=request.user,  # type: ignore[arg-type]
            attributes=values.get("attributes"),
            source=Report.Source.API,
        )
        return Response(self.get_serializer(report).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("category", OpenApiTypes.STR, required=True),
            OpenApiParameter("lat", OpenApiTypes.NUMBER, required=True),
            OpenApiParameter("lng", OpenApiTypes.NUMBER, required=True),
        ],
        responses={200: NearbySerializer(many=True)},
    )
    @action(detail=False, methods=["get"])
    def nearby(self, request: Request) -> Response:
        """Open reports of the same category within 250 m: possible duplicates before filing."""
        category = services.resolve_category(request.query_params.get("category", ""))
        point = services.parse_point(request.query_params.get("lat"), request.query_params.get("lng"))
        if point is None:
            raise ValidationFailed(_("Isi lat dan lng."), code="missing_location", field="location")
        found = selectors.nearby_open_reports(category, point[0], point[1])
        prefetch_related_objects([n.report for n in found], "photos")
        rows = [{"distance_m": round(n.distance_m, 1), "report": n.report} for n in found]
        return Response(NearbySerializer(rows, many=True, context={"request": request}).data)

    @extend_schema(responses={200: ReportSerializer(many=True)})
    @action(detail=False, methods=["get"], pagination_class=None)  # at most 200, a plain list
    def mine(self, request: Request) -> Response:
        """Reports the signed-in user filed or follows."""
        reports = selectors.reports_of(request.user).prefetch_related("photos")[:200]  # type: ignore[arg-type]
        return Response(self.get_serializer(reports, many=True).data)

    @extend_schema(request=None, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"], url_path="me-too")
    def me_too(self, request: Request, code: str) -> Response:
        """ "Saya juga": follow the report and add one to its support (once per person)."""
        report = services.me_too(self.get_object(), request.user)  # type: ignore[arg-type]
        return Response(self.get_serializer(report).data)

    @extend_schema(request=ActionSerializer, responses={200: ReportSerializer})
    @action(detail=True, methods=["post"], url_path="actions")
    def act(self, request: Request, code: str) -> Response:
        """Lifecycle: verify, start, resolve, close, not_responsible, duplicate (original), reopen, note."""
        data = ActionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.apply_action(
            self.get_object(),
            request.user,  # type: ignore[arg-type]
            data.validated_data["action"],
            note=data.validated_data.get("note", ""),
            original=data.validated_data.get("original", ""),
        )
        report.refresh_from_db()
        return Response(self.get_serializer(report).data)

    @extend_schema(methods=["GET"], request=None, responses={200: UpdateSerializer(many=True)})
    @extend_schema(methods=["POST"], request=NoteSerializer, responses={201: UpdateSerializer})
    @action(detail=True, methods=["get", "post"])
    def updates(self, request: Request, code: str) -> Response:
        """The public timeline; handlers POST a progress note."""
        report = self.get_object()
        if request.method == "POST":
            data = NoteSerializer(data=request.data)
            data.is_valid(raise_exception=True)
            update = services.add_note(report, request.user, data.validated_data["note"])  # type: ignore[arg-type]
            return Response(UpdateSerializer(update).data, status=status.HTTP_201_CREATED)
        return Response(UpdateSerializer(selectors.timeline(report), many=True).data)
