"""Agenda in Django admin; writes go through apps.agenda.services (checks and notifications)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from apps.accounts.models import User
from apps.core.errors import DomainError

from . import services
from .models import Event


class EventAdminForm(forms.ModelForm[Event]):
    class Meta:
        model = Event
        fields = [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place_name",
            "lat",
            "lng",
            "organiser",
            "audience",
            "rw",
            "rt",
        ]

    def input(self) -> services.EventInput:
        data = self.cleaned_data
        rw, rt = data.get("rw"), data.get("rt")
        return services.EventInput(
            title=data.get("title") or "",
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            place_name=data.get("place_name") or "",
            organiser=data.get("organiser") or "",
            audience=data.get("audience") or "",
            rw=rt.rw.number if rt is not None else (rw.number if rw is not None else None),
            rt=rt.number if rt is not None else None,
            description=data.get("description") or "",
            lat=data.get("lat"),
            lng=data.get("lng"),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.errors and data.get("starts_at") and data.get("ends_at"):
            try:
                event_input = self.input()
                services.validate(event_input)
                services.resolve_unit(event_input)
            except DomainError as exc:
                raise forms.ValidationError(str(exc.message)) from None
        return data


@admin.register(Event)
class EventAdmin(admin.ModelAdmin[Event]):
    form = EventAdminForm
    list_display = ["title", "starts_at", "ends_at", "place_name", "audience", "unit_label", "organiser"]
    list_filter = ["audience", "rw", "starts_at"]
    search_fields = ["title", "place_name", "organiser"]
    date_hierarchy = "starts_at"
    list_select_related = ["rw", "rt__rw"]

    def save_model(self, request: HttpRequest, obj: Event, form: Any, change: bool) -> None:
        user = cast(User, request.user)
        data = cast(EventAdminForm, form).input()
        saved = services.update_event(obj, data, by=user) if change else services.create_event(data, by=user)
        obj.pk = saved.pk
        obj.refresh_from_db()

    def delete_model(self, request: HttpRequest, obj: Event) -> None:
        services.delete_event(obj, by=cast(User, request.user))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[Event]) -> None:
        for event in queryset:
            services.delete_event(event, by=cast(User, request.user))
