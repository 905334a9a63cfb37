"""Django admin for kelurahan staff. Workflow changes go through services (admin actions), never
by editing fields; the NIK shows masked only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from apps.accounts.models import User
from apps.core.admin import timeline_field
from apps.core.errors import DomainError

from . import policy, services
from .models import OssConfig, Permit, PermitEvent, PermitFee, SlaRule


class StaffRoleAdmin(admin.ModelAdmin[Any]):
    """Open to the kelurahan's staff roles (admin, staf, lurah) as well as superusers."""

    def _officer(self, request: HttpRequest) -> bool:
        user = request.user
        return bool(
            user.is_active
            and user.is_staff
            and (user.is_superuser or policy.is_staff_officer(user) or policy.is_lurah(user))
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self._officer(request)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._officer(request)


class ReadOnlyAdmin(StaffRoleAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _run_step(step: str, label: Any) -> Any:
    def run(modeladmin: PermitAdmin, request: HttpRequest, queryset: QuerySet[Permit]) -> None:
        actor: User = request.user  # type: ignore[assignment]
        done = 0
        for permit in queryset.order_by("pk"):
            try:
                services.take_step(permit, actor, step)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{permit.business_name}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(n)d permohonan: %(label)s.") % {"n": done, "label": label})

    run.__name__ = f"action_{step}"
    return admin.action(description=label)(run)


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ["number_or_id", "business_name", "owner_name", "nik_masked", "status", "kbli_code", "due_flag"]
    list_filter = ["status", "risk_level", "kbli_code"]
    search_fields = ["business_name", "owner_name", "number", "nib"]
    # No search by NIK here: a search term travels in the URL. Staff use the API's find-by-nik (POST).
    search_help_text = _("Cari nama usaha, pemilik, nomor izin atau NIB.")
    ordering = ["due_at", "-created_at"]
    timeline = timeline_field()
    exclude = ["nik_digest", "nik_ciphertext"]
    readonly_fields = [
        "timeline",
        "status",
        "status_reason",
        "due_at",
        "applicant",
        "created_by",
        "rt",
        "owner_name",
        "nik_masked",
        "business_name",
        "kbli_code",
        "kbli_title",
        "risk_level",
        "address",
        "lat",
        "lng",
        "capital",
        "workers",
        "products",
        "ktp_scan",
        "premises_photo",
        "nib",
        "nib_business_name",
        "number",
        "issued_at",
        "revoked_at",
        "submitted_at",
    ]
    actions = [_run_step("verify", _("Verifikasi")), _run_step("issue", _("Terbitkan izin"))]

    @admin.display(description=_("nomor"), ordering="number")
    def number_or_id(self, obj: Permit) -> str:
        return obj.number or f"#{obj.pk}"

    @admin.display(description=_("batas waktu"), ordering="due_at")
    def due_flag(self, obj: Permit) -> str:
        if obj.due_at is None:
            return "—"
        when = date_format(timezone.localtime(obj.due_at), "DATETIME_FORMAT")
        if obj.is_overdue():
            return format_html('<strong style="color:#c62828">{} ({})</strong>', when, _("terlambat"))
        return when


@admin.register(PermitEvent)
class PermitEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "permit_id", "action", "actor", "actor_role", "note"]
    list_filter = ["action", "actor_role"]
    search_fields = ["note"]


class _KeyedByChoiceAdmin(StaffRoleAdmin):
    """A rule keyed by its choice field (`key`): fixed once saved, since saving a changed key
    would insert a second row beside the old one."""

    key = ""

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [self.key] if obj is not None else []


@admin.register(SlaRule)
class SlaRuleAdmin(_KeyedByChoiceAdmin):
    list_display = ["status", "days"]
    key = "status"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._officer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._officer(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._officer(request)


@admin.register(PermitFee)
class PermitFeeAdmin(_KeyedByChoiceAdmin):
    list_display = ["risk_level", "amount", "perda", "is_active"]
    key = "risk_level"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._officer(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._officer(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self._officer(request)


@admin.register(OssConfig)
class OssConfigAdmin(StaffRoleAdmin):
    list_display = ["mode", "endpoint_url", "timeout_seconds", "simulate_failure"]
    # The current tenant's OSS row of the public apps.integrations table (the proxy's manager).
    fields = ["mode", "endpoint_url", "api_token", "timeout_seconds", "simulate_failure"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return request.user.is_superuser and not OssConfig.objects.exists()

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return request.user.is_superuser
