"""Agenda API: events visible to the caller; writes by staff and by ketua RT/RW for their unit."""

from __future__ import annotations

from typing import Any, cast

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from apps.accounts.models import User
from apps.agenda import selectors, services
from apps.agenda.models import Audience, Event
from apps.core.idempotency import OPENAPI_PARAMETER, idempotent

from .filters import EventFilter
from .serializers import EventSerializer


def _input(data: dict[str, Any]) -> services.EventInput:
    return services.EventInput(
        title=data["title"],
        starts_at=data["starts_at"],
        ends_at=data["ends_at"],
        place_name=data["place_name"],
        organiser=data["organiser"],
        audience=data.get("audience", Audience.PUBLIC),
        rw=data.get("rw"),
        rt=data.get("rt"),
        description=data.get("description", ""),
        lat=data.get("lat"),
        lng=data.get("lng"),
    )


@extend_schema_view(
    create=extend_schema(
        description="Buat kegiatan. Selesai sebelum mulai, RT/RW tak dikenal → 422.",
        parameters=[OPENAPI_PARAMETER],
    ),
)
class EventViewSet(viewsets.ModelViewSet[Event]):
    """Kelurahan events. Everyone signed in sees public events and those of their own RT/RW;
    staff see everything, including staff-only events."""

    serializer_class = EventSerializer
    filterset_class = EventFilter

    def get_queryset(self) -> QuerySet[Event]:
        user = self.request.user if self.request.user.is_authenticated else None
        return selectors.visible_events(user)

    @idempotent("agenda.event")
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = EventSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        event = services.create_event(_input(data.validated_data), by=cast(User, request.user))
        return Response(EventSerializer(event).data, status=status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        event = self.get_object()
        data = EventSerializer(event, data=request.data, partial=kwargs.get("partial", False))
        data.is_valid(raise_exception=True)
        current = EventSerializer(event).data
        merged = {
            **{name: getattr(event, name) for name in ("title", "starts_at", "ends_at", "place_name", "organiser")},
            **{name: getattr(event, name) for name in ("audience", "description", "lat", "lng")},
            "rw": current["rw"],
            "rt": current["rt"],
            **data.validated_data,
        }
        event = services.update_event(event, _input(merged), by=cast(User, request.user))
        return Response(EventSerializer(event).data)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        services.delete_event(self.get_object(), by=cast(User, request.user))
        return Response(status=status.HTTP_204_NO_CONTENT)
