"""Staff read the answers (comments included) here; nobody edits or deletes them."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import Prompt


@admin.register(Prompt)
class PromptAdmin(admin.ModelAdmin[Prompt]):
    list_display = ["kind", "service", "user", "score", "asked_at", "answered_at"]
    list_filter = ["kind", "service"]
    list_select_related = ["user"]
    search_fields = ["comment", "event_key"]
    readonly_fields = ["user", "kind", "service", "event_key", "url", "score", "comment", "asked_at", "answered_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Prompt | None = None) -> bool:
        return False
